package com.example.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link App} in JVMs of its own, with exactly the runtime class path that Maven resolves for this
 * project (target/runtime-classpath.txt, written by the dependency plugin): once on the class path and once
 * on the module path, against a redis-server child process and an in-process ZooKeeper server.
 */
class AppTest {
  private static final Duration APP_TIMEOUT = Duration.ofSeconds(90);

  private static Path redisDir;
  private static Process redis;
  private static int redisPort;
  private static TestingServer zookeeper;

  @BeforeAll
  static void startServers() throws Exception {
    redisDir = Files.createTempDirectory("lockkit-consumer-redis");
    Path binary = redisBinary(redisDir);
    redisPort = freePort();
    redis = new ProcessBuilder(binary.toString(), "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", redisDir.toString())
        .redirectErrorStream(true)
        .redirectOutput(redisDir.resolve("redis.log").toFile())
        .start();
    await("redis-server on port " + redisPort).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !redis.isAlive() || pings(redisPort));
    assertThat(redis.isAlive()).as("redis-server is running: %s", log(redisDir.resolve("redis.log"))).isTrue();
    // a server that grants sessions as long as lockkit's default lease, as a production ensemble would
    zookeeper = new TestingServer(
        new InstanceSpec(null, -1, -1, -1, true, -1, -1, -1, Map.of("maxSessionTimeout", "60000")), true);
  }

  @AfterAll
  static void stopServers() throws Exception {
    try {
      if (zookeeper != null) {
        String dataDir = "dataDir=" + zookeeper.getTempDirectory().getAbsolutePath();
        zookeeper.close();
        deleteServerConfiguration(dataDir);
      }
    } finally {
      if (redis != null) {
        redis.destroy();
        if (!redis.waitFor(10, TimeUnit.SECONDS)) {
          redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      deleteTree(redisDir);
    }
  }

  @Test
  void redisAndZooKeeperLocksOnTheClassPath() throws Exception {
    run("class-path", "-cp", String.join(java.io.File.pathSeparator, applicationPath()),
        "com.example.locks.App");
  }

  /**
   * Jars that are modules (a module-info, or an Automatic-Module-Name) on the module path, plain jars on the
   * class path, as Gradle and other module-aware launchers place them. ZooKeeper's jars are plain, and they
   * could not be modules anyway: zookeeper and zookeeper-jute split packages.
   */
  @Test
  void redisAndZooKeeperLocksOnTheModulePath() throws Exception {
    List<String> modules = new ArrayList<>();
    List<String> plain = new ArrayList<>();
    for (String entry : applicationPath()) {
      (isModule(Path.of(entry)) ? modules : plain).add(entry);
    }
    assertThat(modules).as("lockkit's jars are modules").anyMatch(p -> p.contains("lock-api-"))
        .anyMatch(p -> p.contains("lock-redis-")).anyMatch(p -> p.contains("lock-zookeeper-"));
    // no --add-modules: the application's module-info alone must bring in what lockkit needs
    run("module-path", "-p", String.join(java.io.File.pathSeparator, modules),
        "-cp", String.join(java.io.File.pathSeparator, plain), "-m", "com.example.locks/com.example.locks.App");
  }

  /** The versions that lockkit-bom gives are the ones lockkit is built and tested with, and one Netty. */
  @Test
  void theBomGivesTheTestedVersionsAndOneNetty() throws Exception {
    List<String> jars = applicationPath().stream().map(p -> Path.of(p).getFileName().toString()).toList();
    String lockkit = System.getProperty("expected.lockkit");
    assertThat(jars).contains(
        "lock-api-" + lockkit + ".jar",
        "lock-redis-" + lockkit + ".jar",
        "lock-zookeeper-" + lockkit + ".jar",
        "lettuce-core-" + System.getProperty("expected.lettuce") + ".jar",
        "jedis-" + System.getProperty("expected.jedis") + ".jar",
        "curator-framework-" + System.getProperty("expected.curator") + ".jar",
        "zookeeper-" + System.getProperty("expected.zookeeper") + ".jar");
    Pattern netty = Pattern.compile("netty-[a-z-]+?-(\\d+\\.\\d+\\.\\d+\\.\\w+?)(-[a-z_0-9-]+)?\\.jar");
    TreeSet<String> nettyVersions = new TreeSet<>();
    for (String jar : jars) {
      Matcher m = netty.matcher(jar);
      if (m.matches()) {
        nettyVersions.add(m.group(1));
      }
    }
    assertThat(nettyVersions).as("Netty versions among %s", jars).hasSize(1);
    assertThat(jars).as("ZooKeeper's Netty artifacts stay out").noneMatch(
        jar -> jar.startsWith("netty-tcnative") || jar.startsWith("netty-transport-native-epoll"));
  }

  private static void run(String where, String... launch) throws Exception {
    Path log = Path.of("target", "app-" + where + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.addAll(List.of(launch));
    command.add("redis://127.0.0.1:" + redisPort);
    command.add("redis://127.0.0.1:" + redisPort + "?driver=jedis");
    command.add("zookeeper://" + zookeeper.getConnectString() + "/consumer");
    command.add(where);
    Process app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended = app.waitFor(APP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (!ended) {
      app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = log(log);
    System.out.println("--- " + String.join(" ", command.subList(0, 3)) + " ...\n" + output);
    assertThat(ended).as("the application ended by itself within %s:%n%s", APP_TIMEOUT, output).isTrue();
    assertThat(app.exitValue()).as("exit status; output:%n%s", output).isZero();
    assertThat(output).contains("consumer: OK");
  }

  /** target/classes, then the runtime dependencies in Maven's order. */
  private static List<String> applicationPath() throws IOException {
    List<String> path = new ArrayList<>();
    path.add(Path.of("target", "classes").toAbsolutePath().toString());
    String deps = Files.readString(Path.of("target", "runtime-classpath.txt"), StandardCharsets.UTF_8).strip();
    path.addAll(List.of(deps.split(Pattern.quote(java.io.File.pathSeparator))));
    return path;
  }

  private static boolean isModule(Path entry) throws IOException {
    if (Files.isDirectory(entry)) {
      return Files.exists(entry.resolve("module-info.class"));
    }
    try (JarFile jar = new JarFile(entry.toFile(), false, ZipFile.OPEN_READ, Runtime.version())) {
      Manifest manifest = jar.getManifest();
      return jar.getJarEntry("module-info.class") != null
          || manifest != null && manifest.getMainAttributes().getValue("Automatic-Module-Name") != null;
    }
  }

  /** redis-server from PATH, else the binary that the embedded-redis jar ships, copied into dir. */
  private static Path redisBinary(Path dir) throws IOException {
    String pathVariable = System.getenv("PATH");
    if (pathVariable != null) {
      for (String entry : pathVariable.split(Pattern.quote(java.io.File.pathSeparator))) {
        Path candidate = Path.of(entry, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String resource = arch.contains("aarch64") || arch.contains("arm64")
        ? "/redis-server-6.2.7-linux-arm64" : "/redis-server-6.2.6-v5-linux-amd64";
    try (InputStream in = redis.embedded.RedisServer.class.getResourceAsStream(resource)) {
      assertThat(in).as("no redis-server on PATH, and embedded-redis ships no %s", resource).isNotNull();
      Path binary = dir.resolve("redis-server");
      Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
      assertThat(binary.toFile().setExecutable(true)).isTrue();
      return binary;
    }
  }

  private static boolean pings(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] reply = new byte[7];
      int n = socket.getInputStream().readNBytes(reply, 0, reply.length);
      return new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String log(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no output)";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * ZooKeeper's embedded server writes its configuration to zookeeper.configuration*.properties in the
   * temp folder and leaves it there: delete the one that names this server's data directory.
   */
  private static void deleteServerConfiguration(String dataDirLine) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> files = Files.list(tmp)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("zookeeper.configuration")
          && f.getFileName().toString().endsWith(".properties")).toList()) {
        try {
          if (Files.readAllLines(file, StandardCharsets.ISO_8859_1).contains(dataDirLine)) {
            Files.deleteIfExists(file);
          }
        } catch (IOException e) {
          // another process's file that went away or cannot be read: not ours
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
