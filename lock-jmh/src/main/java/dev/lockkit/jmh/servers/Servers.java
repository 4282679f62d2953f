package dev.lockkit.jmh.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * The servers a benchmark JVM talks to: started on first use as child processes (Redis: {@code redis-server}
 * from PATH, else the binary that embedded-redis ships; ZooKeeper: {@code ZooKeeperServerMain} in a JVM of
 * its own, so that it shares neither heap nor JIT with the benchmark), or external ones named by the system
 * properties {@code lockkit.bench.redis} (a {@code redis://host:port} URI) and {@code lockkit.bench.zookeeper}
 * (a {@code host:port} connect string). Started servers stop when the JVM exits.
 *
 * <p>A started ZooKeeper is warmed up first ({@link ZooKeeperWarmup}): {@value #ZK_WARMUP_PROPERTY} lock cycles
 * (default {@value #ZK_WARMUP_DEFAULT}), within {@value #ZK_WARMUP_SECONDS} s; 0 skips it.
 */
public final class Servers {
  /**
   * The ACL of the benchmarks' own ZooKeeper nodes: open to anyone, as {@code ZooDefs.Ids.OPEN_ACL_UNSAFE}, whose
   * class javac warns about (it lacks SpotBugs' annotations here). Not {@code List.of}: ZooKeeper asks the list
   * whether it contains null.
   */
  public static final List<ACL> OPEN_ACL =
      Collections.unmodifiableList(new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("world", "anyone")))));

  /** System property: how many lock cycles warm up a started ZooKeeper server. */
  public static final String ZK_WARMUP_PROPERTY = "lockkit.bench.zookeeper.warmup";

  private static final int ZK_WARMUP_DEFAULT = 10_000;
  private static final int ZK_WARMUP_SECONDS = 15;
  private static ChildProcess redis;
  private static ChildProcess zookeeper;
  private static final List<Path> dirs = new ArrayList<>();

  static {
    // the servers' directories and the copied redis-server binary go with the JVM, also when a run fails
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopAll();
      deleteDirs();
    }, "lockkit-bench-cleanup"));
  }

  private Servers() {}

  /**
   * The Redis server's URI, starting one if none is configured.
   *
   * @return such as {@code redis://127.0.0.1:6379}
   */
  public static synchronized String redisUri() {
    String external = System.getProperty("lockkit.bench.redis");
    if (external != null && !external.isBlank()) {
      return external;
    }
    if (redis == null) {
      try {
        int port = ChildProcess.freePort();
        Path dir = tempDir("lockkit-bench-redis");
        redis = ChildProcess.start("redis-server", List.of(redisBinary().toString(), "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()),
            port, dir.resolve("redis.log"), Duration.ofSeconds(20));
      } catch (IOException e) {
        throw new UncheckedIOException("could not start redis-server", e);
      }
    }
    return "redis://127.0.0.1:" + redis.port();
  }

  /**
   * The ZooKeeper connect string, starting a server if none is configured.
   *
   * @return such as {@code 127.0.0.1:2181}
   */
  public static synchronized String zookeeperConnect() {
    String external = System.getProperty("lockkit.bench.zookeeper");
    if (external != null && !external.isBlank()) {
      return external;
    }
    if (zookeeper == null) {
      try {
        int port = ChildProcess.freePort();
        Path dir = tempDir("lockkit-bench-zk");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        zookeeper = ChildProcess.start("zookeeper", List.of(java, "-Xmx512m", "-XX:+UseSerialGC",
                "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.4lw.commands.whitelist=*",
                // measure the clients, not this machine's disk: every contender gets the same server
                "-Dzookeeper.forceSync=no",
                "-cp", System.getProperty("java.class.path"),
                "org.apache.zookeeper.server.ZooKeeperServerMain", String.valueOf(port), dir.toString()),
            port, dir.resolve("zookeeper.log"), Duration.ofSeconds(60), Servers::zookeeperServing);
        ZooKeeperWarmup.run("127.0.0.1:" + port, Integer.getInteger(ZK_WARMUP_PROPERTY, ZK_WARMUP_DEFAULT),
            Duration.ofSeconds(ZK_WARMUP_SECONDS));
      } catch (IOException e) {
        throw new UncheckedIOException("could not start ZooKeeper", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while warming up ZooKeeper", e);
      } catch (org.apache.zookeeper.KeeperException e) {
        throw new IllegalStateException("could not warm up ZooKeeper", e);
      }
    }
    return "127.0.0.1:" + zookeeper.port();
  }

  /** ZooKeeper listens before it serves; "srvr" names its mode only once it serves. */
  private static boolean zookeeperServing(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(1000);
      s.getOutputStream().write("srvr".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      return answer.contains("Mode:");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The pid of the Redis server this JVM started, or -1.
   *
   * @return the pid
   */
  public static synchronized long redisPid() {
    return redis == null ? -1 : redis.pid();
  }

  /**
   * The pid of the ZooKeeper server this JVM started, or -1.
   *
   * @return the pid
   */
  public static synchronized long zookeeperPid() {
    return zookeeper == null ? -1 : zookeeper.pid();
  }

  /** Stops the servers this JVM started. */
  public static synchronized void stopAll() {
    if (redis != null) {
      redis.close();
      redis = null;
    }
    if (zookeeper != null) {
      zookeeper.close();
      zookeeper = null;
    }
  }

  private static synchronized void deleteDirs() {
    for (Path dir : dirs) {
      try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | java.io.UncheckedIOException e) {
        // best effort at exit: nothing else can be done with it
      }
    }
    dirs.clear();
  }

  private static synchronized Path tempDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    dirs.add(dir);
    return dir;
  }

  /** {@code redis-server} on PATH, else the binary embedded-redis ships for this platform. */
  static Path redisBinary() throws IOException {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(entry, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String resource;
    if (os.contains("linux")) {
      resource = arch.contains("aarch64") || arch.contains("arm64") ? "/redis-server-6.2.7-linux-arm64"
          : "/redis-server-6.2.6-v5-linux-amd64";
    } else if (os.contains("mac")) {
      resource = arch.contains("aarch64") ? "/redis-server-6.2.6-v5-darwin-arm64" : "/redis-server-6.2.6-v5-darwin-amd64";
    } else {
      throw new IOException("no redis-server on PATH and no embedded binary for " + os + "/" + arch);
    }
    Path target = tempDir("lockkit-bench-redis-bin").resolve("redis-server");
    try (InputStream in = Servers.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("embedded-redis does not ship " + resource);
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    if (!target.toFile().setExecutable(true)) {
      throw new IOException("cannot make " + target + " executable");
    }
    return target;
  }
}
