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
    Path parent = dir.getParent();
    if (isMark(parent)) {
      // a fork's own directory under target/test-tmp: the last fork to end removes the shared parent too
      parent.toFile().delete();
    }
  }

  /**
   * The temporary directory if the build set it to one of its own, never the machine's /tmp: {@code test-tmp},
   * or a directory in it (a module whose tests run in several JVMs gives each its own, as one JVM's end must not
   * remove files another still uses).
   */
  private static Path ours() {
    String tmp = System.getProperty("java.io.tmpdir", "");
    Path dir = Path.of(tmp);
    return isMark(dir) || isMark(dir.getParent()) ? dir : null;
  }

  private static boolean isMark(Path dir) {
    return dir != null && dir.getFileName() != null && dir.getFileName().toString().equals(MARK);
  }
}
