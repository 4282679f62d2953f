package dev.lockkit.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A redis-server child process on a free loopback port, with persistence off. It can be stopped and started
 * again on the same port (empty, as after a restart without persistence). Every process started is also
 * killed by a JVM shutdown hook, should a test fail before it stops it.
 */
public final class RedisServer implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "redis-fixture-reaper"));
  }

  private final Path binary;
  private final int port;
  private final List<String> extraArgs;
  private final Path dir;
  private final int probePort;
  private final Path config;
  private Process process;

  private RedisServer(Path binary, int port, int probePort, List<String> extraArgs) {
    this(binary, null, port, probePort, extraArgs);
  }

  private RedisServer(Path binary, Path config, int port, int probePort, List<String> extraArgs) {
    this.binary = binary;
    this.config = config;
    this.port = port;
    this.probePort = probePort;
    this.extraArgs = List.copyOf(extraArgs);
    try {
      this.dir = Files.createTempDirectory("lockkit-redis-" + port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a plain server with the binary {@link RedisBinary#find()} gives. */
  public static RedisServer launch(String... extraArgs) {
    return launch(RedisBinary.find(), extraArgs);
  }

  /** Starts a plain server with the given binary and extra {@code --option value} arguments. */
  public static RedisServer launch(Path binary, String... extraArgs) {
    int port = freePort();
    RedisServer server = new RedisServer(binary, port, port, List.of(extraArgs));
    server.start();
    return server;
  }

  /**
   * Starts a replica of {@code primary} ({@code --replicaof}) and waits until the primary reports it online,
   * its first synchronisation done: from then on {@code WAIT} on the primary counts it.
   */
  public static RedisServer launchReplicaOf(RedisServer primary, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())));
    args.addAll(List.of(extraArgs));
    RedisServer replica = launch(args.toArray(String[]::new));
    try {
      primary.awaitReplicasOnline(1);
      return replica;
    } catch (RuntimeException | Error e) {
      replica.stop();
      throw e;
    }
  }

  /** Waits until this primary reports {@code count} replicas connected and online ({@code INFO replication}). */
  public void awaitReplicasOnline(int count) {
    Awaitility.await(count + " replicas of " + this + " online").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          try (Resp r = resp()) {
            String info = r.string("INFO", "replication");
            if (!info.contains("connected_slaves:" + count)
                || info.lines().filter(l -> l.matches("slave\\d+:.*state=online.*")).count() != count) {
              return false;
            }
            // online is not yet acknowledging (a replica may still be loading what it was sent): every replica
            // must have acknowledged all the primary has sent (on a cluster node too, where a probe write could
            // be redirected)
            long sent = info.lines().filter(l -> l.startsWith("master_repl_offset:"))
                .mapToLong(l -> Long.parseLong(l.substring("master_repl_offset:".length()).trim())).findFirst()
                .orElse(-1);
            return sent >= 0 && info.lines().filter(l -> l.matches("slave\\d+:.*state=online.*"))
                .allMatch(l -> acknowledged(l) >= sent);
          }
        });
  }

  /** The {@code offset=} of a {@code slaveN:} line of {@code INFO replication}: what that replica acknowledged. */
  private static long acknowledged(String line) {
    for (String part : line.split(",")) {
      if (part.startsWith("offset=")) {
        return Long.parseLong(part.substring("offset=".length()));
      }
    }
    return -1;
  }

  /**
   * Starts a server with a configuration file (the first argument, as redis-server wants it) and extra
   * arguments, such as {@code --sentinel}. The file must stay writable: a sentinel rewrites it.
   */
  public static RedisServer launchWithConfig(Path binary, Path config, String... extraArgs) {
    int port = freePort();
    RedisServer server = new RedisServer(binary, config, port, port, List.of(extraArgs));
    server.start();
    return server;
  }

  /**
   * Starts a TLS-only server ({@code port 0}, {@code tls-port}); {@link #port()} is the TLS port.
   */
  public static RedisServer launchTls(Path cert, Path key, Path ca, String... extraArgs) {
    int port = freePort();
    List<String> args = new ArrayList<>(List.of("--tls-port", Integer.toString(port), "--tls-cert-file",
        cert.toString(), "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(),
        "--tls-auth-clients", "no"));
    args.addAll(List.of(extraArgs));
    RedisServer server = new RedisServer(RedisBinary.find(), 0, port, args);
    server.start();
    return server;
  }

  /** Starts the process (again) and waits until it listens. */
  public synchronized void start() {
    startWith();
  }

  /**
   * Starts the process (again) with {@code moreArgs} after the launch's arguments for this start only (say
   * {@code --replicaof 127.0.0.1 7001}), and waits until it listens.
   */
  public synchronized void startWith(String... moreArgs) {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of(binary.toString()));
    if (config != null) {
      cmd.add(config.toString());
    }
    cmd.addAll(List.of("--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--protected-mode", "no"));
    cmd.addAll(extraArgs);
    cmd.addAll(List.of(moreArgs));
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LIVE.add(process);
    Process p = process;
    Awaitility.await("redis-server on port " + probePort).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20)).until(() -> {
          if (!p.isAlive()) {
            throw new IllegalStateException("redis-server exited with " + p.exitValue() + ": " + log());
          }
          return listening(probePort);
        });
  }

  /** Stops the process (SIGTERM, then SIGKILL) and waits for it. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    Process p = process;
    process = null;
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LIVE.remove(p);
  }

  /** Kills the process at once (SIGKILL), as a crash would, and waits for it; {@link #start()} brings it back. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    Process p = process;
    process = null;
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LIVE.remove(p);
  }

  /** Freezes the process (SIGSTOP): connections stay open, nothing is answered. */
  public synchronized void pause() {
    signal("-STOP");
  }

  /** Thaws a {@link #pause()}d process (SIGCONT). */
  public synchronized void resume() {
    signal("-CONT");
  }

  private void signal(String signal) {
    if (process == null) {
      throw new IllegalStateException("not running");
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops and starts again: the server comes back empty on the same port. */
  public void restart() {
    stop();
    start();
  }

  /** The port clients connect to (the TLS port of a TLS server). */
  public int port() {
    return probePort;
  }

  /** A {@code redis://127.0.0.1:port} URI. */
  public String uri() {
    return "redis://127.0.0.1:" + probePort;
  }

  /** Whether the process runs. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The server's log so far. */
  public String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Whether the server has sharded pub/sub (Redis 7 and newer, from {@code INFO server}): lockkit's clients
   * use it on such a cluster. The embedded fallback binary is Redis 6.2, where they subscribe plainly.
   */
  public boolean hasShardedPubSub() {
    try (Resp r = resp()) {
      String version = r.string("INFO", "server").lines().filter(l -> l.startsWith("redis_version:")).findFirst()
          .orElseThrow().substring("redis_version:".length()).trim();
      return Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7;
    }
  }

  /** A raw connection for fixtures and assertions (plain TCP only). */
  public Resp resp() {
    return Resp.connect(probePort);
  }

  @Override
  public void close() {
    stop();
  }

  /** A free loopback port, as the OS hands them out. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "RedisServer{" + binary + ", port " + probePort + '}';
  }
}
