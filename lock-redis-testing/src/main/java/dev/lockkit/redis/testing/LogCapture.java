package dev.lockkit.redis.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Copies what is written to {@code System.err} while it is open, where the tests' SLF4J binding
 * (slf4j-simple) writes every log line; the lines still reach the original stream. Closing restores it.
 */
public final class LogCapture implements AutoCloseable {
  private final PrintStream original;
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

  private LogCapture() {
    this.original = System.err;
    OutputStream tee = new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (copy) {
          copy.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (copy) {
          copy.write(b, off, len);
        }
        original.write(b, off, len);
      }

      @Override
      public void flush() {
        original.flush();
      }
    };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  /** Starts copying. */
  public static LogCapture start() {
    return new LogCapture();
  }

  /** Everything written so far. */
  public String text() {
    synchronized (copy) {
      return copy.toString(StandardCharsets.UTF_8);
    }
  }

  /** The lines written so far that contain {@code level} (such as {@code " WARN "}) and {@code about}. */
  public List<String> lines(String level, String about) {
    return text().lines().filter(l -> l.contains(level) && l.contains(about)).toList();
  }

  @Override
  public void close() {
    System.err.flush();
    System.setErr(original);
  }
}
