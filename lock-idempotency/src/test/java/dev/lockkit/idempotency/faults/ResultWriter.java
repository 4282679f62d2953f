package dev.lockkit.idempotency.faults;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends {@link ResultLine}s to a client's results file, each written whole and flushed at once. */
final class ResultWriter implements AutoCloseable {
  private final OutputStream out;

  ResultWriter(Path file) throws IOException {
    this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  synchronized void write(ResultLine line) {
    try {
      out.write((line.format() + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
