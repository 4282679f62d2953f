package dev.lockkit.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault suite's output: one row per backend and fault, logged as it is added and appended to a
 * Markdown table, by default {@code target/fault-report.md} of the module under test (system property
 * {@value #REPORT_PROPERTY} to put it elsewhere). Rows from several test classes, and several JVMs, go into
 * one file: appends hold a file lock, and the header is written only into an empty file. {@code mvn clean}
 * starts a new table.
 */
public final class FaultTable {
  /** The system property naming the Markdown file. */
  public static final String REPORT_PROPERTY = "lockkit.faults.report";

  private static final Logger log = LoggerFactory.getLogger(FaultTable.class);
  private static final String HEADER = "| backend | fault | acquisitions | overlaps | stale writes rejected "
      + "| stale writes accepted | token regressions | silent losses | hangs | leftovers |\n"
      + "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";

  private FaultTable() {}

  /**
   * The file rows go to.
   *
   * @return the report's path
   */
  public static Path reportFile() {
    return Path.of(System.getProperty(REPORT_PROPERTY, "target/fault-report.md"));
  }

  /**
   * Logs the report's row and appends it to {@link #reportFile()}.
   *
   * @param report a checked run
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void add(FaultReport report) {
    add(report, reportFile());
  }

  /**
   * Logs the report's row and appends it to the given file, writing the header first if the file is empty.
   *
   * @param report a checked run
   * @param file the Markdown file
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void add(FaultReport report, Path file) {
    String row = row(report);
    log.info("fault table: {}", row.strip());
    if (!report.examples().isEmpty()) {
      log.info("fault table details: {}", report);
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
          FileLock lock = channel.lock()) {
        String text = channel.size() == 0 ? HEADER + row : row;
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not append to the fault report " + file, e);
    }
  }

  /**
   * The Markdown header: column names and alignment.
   *
   * @return two lines
   */
  public static String header() {
    return HEADER;
  }

  /**
   * One Markdown row.
   *
   * @param r a checked run
   * @return the row, ending with a line break
   */
  public static String row(FaultReport r) {
    return "| " + cell(r.backend()) + " | " + cell(r.fault()) + " | " + r.acquisitions() + " | " + r.overlaps()
        + " | " + r.staleRejected() + " | " + r.staleAccepted() + " | " + r.legitRejected() + " | "
        + r.silentLosses() + " | " + r.hangs() + " | " + r.leftovers() + " |\n";
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace('\n', ' ');
  }
}
