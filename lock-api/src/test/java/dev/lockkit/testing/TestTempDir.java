package dev.lockkit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * The temporary directory of a test JVM, created before its first test and removed after its last, with
 * whatever the tests and the libraries under them left there (curator-test's in-process ZooKeeper writes a
 * {@code zookeeper.configuration*.properties} per server and never deletes it; embedded-redis copies its
 * binary). The build points {@code java.io.tmpdir} of every test JVM at {@code target/test-tmp}; registered
 * through {@code META-INF/services}, so every module whose tests use lock-api's test-jar gets it.
 */
public final class TestTempDir implements LauncherSessionListener {
  private static final String MARK = "test-tmp";

  /** Created by the JUnit launcher through {@link java.util.ServiceLoader}. */
  public TestTempDir() {}

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    Path dir = ours();
    if (dir != null) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the tests' temporary directory " + dir, e);
      }
    }
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    Path dir = ours();
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a file still open by a server that outlives the session: the next build's clean takes it
    }
  }

  /** The temporary directory if the build set it to one of its own, never the machine's /tmp. */
  private static Path ours() {
    String tmp = System.getProperty("java.io.tmpdir", "");
    Path dir = Path.of(tmp);
    return dir.getFileName() != null && dir.getFileName().toString().equals(MARK) ? dir : null;
  }
}
