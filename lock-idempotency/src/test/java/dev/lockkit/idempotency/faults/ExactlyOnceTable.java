package dev.lockkit.idempotency.faults;

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
 * The idempotency fault runs' table (lock-api's {@code FaultTable} has a lock's columns): a row per guard and
 * fault, logged and appended to {@code target/idempotency-fault-report.md} (the header into an empty file).
 */
final class ExactlyOnceTable {
  static final String HEADER = "| guard | fault | keys | keys with effects ≠ 1 | extra effects | mismatched answers "
      + "| lost keys | hangs | requests | retries |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  private static final Logger log = LoggerFactory.getLogger(ExactlyOnceTable.class);

  private ExactlyOnceTable() {}

  static Path reportFile() {
    return Path.of("target", "idempotency-fault-report.md");
  }

  static String row(ExactlyOnceReport r) {
    return "| " + r.guard().label() + " | " + r.fault().replace("|", "\\|") + " | " + r.keys() + " | "
        + r.keysWithWrongEffects() + " | " + r.extraEffects() + " | " + r.mismatchedAnswers() + " | " + r.lostKeys()
        + " | " + r.hangs() + " | " + r.requests() + " | " + r.retries() + " |\n";
  }

  static void add(ExactlyOnceReport report) {
    String row = row(report);
    log.info("idempotency fault table: {}", row.strip());
    log.info("  retries by cause: {}; examples: {}", report.retryCauses(), report.examples());
    Path file = reportFile();
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
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
      throw new UncheckedIOException("could not append to " + file, e);
    }
  }
}
