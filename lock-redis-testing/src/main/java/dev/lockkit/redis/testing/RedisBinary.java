package dev.lockkit.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/** Finds a redis-server binary: on PATH, else the one that the embedded-redis jar ships, extracted once. */
public final class RedisBinary {
  private static Path embedded;

  private RedisBinary() {}

  /** The binary to run: {@code redis-server} from PATH unless {@code -Dlockkit.redis.embedded=true}. */
  public static synchronized Path find() {
    if (!Boolean.getBoolean("lockkit.redis.embedded")) {
      Path onPath = onPath();
      if (onPath != null) {
        return onPath;
      }
    }
    return embedded();
  }

  /** The redis-server on PATH, or null. */
  public static Path onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "redis-server");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** The binary that embedded-redis ships for this platform (Redis 6.2), extracted to a temp file. */
  public static synchronized Path embedded() {
    if (embedded != null) {
      return embedded;
    }
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String resource = arch.contains("aarch64") || arch.contains("arm64")
        ? "/redis-server-6.2.7-linux-arm64" : "/redis-server-6.2.6-v5-linux-amd64";
    try (InputStream in = redis.embedded.RedisServer.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("embedded-redis ships no " + resource);
      }
      Path dir = Files.createTempDirectory("lockkit-redis-bin");
      Path bin = dir.resolve("redis-server");
      Files.copy(in, bin, StandardCopyOption.REPLACE_EXISTING);
      bin.toFile().setExecutable(true);
      bin.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      embedded = bin;
      return bin;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
