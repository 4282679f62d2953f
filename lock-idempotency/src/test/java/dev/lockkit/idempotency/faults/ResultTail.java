package dev.lockkit.idempotency.faults;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a client's results file as it grows: each {@link #poll()} parses the complete lines appended since
 * the last one (a line being written is left for the next poll). Not thread-safe; the test thread owns it.
 */
final class ResultTail {
  private final Path file;
  private final List<ResultLine> lines = new ArrayList<>();
  private long offset;

  ResultTail(Path file) {
    this.file = file;
  }

  /** Reads what was appended; returns the lines new in this poll. */
  List<ResultLine> poll() {
    if (!Files.exists(file)) {
      return List.of();
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      if (length <= offset) {
        return List.of();
      }
      byte[] bytes = new byte[(int) (length - offset)];
      in.seek(offset);
      in.readFully(bytes);
      int end = lastNewline(bytes);
      if (end < 0) {
        return List.of();
      }
      offset += end + 1;
      List<ResultLine> fresh = new ArrayList<>();
      for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          fresh.add(ResultLine.parse(line));
        }
      }
      lines.addAll(fresh);
      return fresh;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Every line read so far. */
  List<ResultLine> lines() {
    return List.copyOf(lines);
  }

  boolean has(ResultLine.Type type) {
    return lines.stream().anyMatch(l -> l.type() == type);
  }

  long count(ResultLine.Type type) {
    return lines.stream().filter(l -> l.type() == type).count();
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
