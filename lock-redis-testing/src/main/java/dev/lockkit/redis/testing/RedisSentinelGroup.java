package dev.lockkit.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A primary, its replicas ({@code --replicaof}) and three sentinels ({@code redis-server <conf> --sentinel}) on
 * loopback, each a {@link RedisServer} process of the binary {@link RedisBinary#find()} gives (Redis 7 on PATH,
 * or the embedded 6.2). The sentinels monitor the primary as {@link #MASTER} with a quorum of 2, call a server
 * down after {@link #DOWN_AFTER} and may fail over again {@code 2 x} {@link #FAILOVER_TIMEOUT} after a failover,
 * so that a test can kill the primary ({@link #killPrimary}), wait for the promotion ({@link #awaitPrimaryOtherThan})
 * and bring the old primary back as a replica ({@link #restartAsReplica}) a few seconds apart. {@link #close}
 * stops every process and removes the sentinels' configuration directory.
 */
public final class RedisSentinelGroup implements AutoCloseable {
  /** The name the sentinels monitor the primary under. */
  public static final String MASTER = "lockkit-primary";
  /** A server that does not answer pings for this long is subjectively down. */
  public static final Duration DOWN_AFTER = Duration.ofMillis(1000);
  /** Sentinel's failover timeout; a new failover of the same master may start twice this after the last. */
  public static final Duration FAILOVER_TIMEOUT = Duration.ofMillis(2000);
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private final Path configs;
  private final List<RedisServer> servers = new ArrayList<>();
  private final List<RedisServer> sentinels = new ArrayList<>();

  private RedisSentinelGroup(Path configs) {
    this.configs = configs;
  }

  /**
   * Starts a primary with {@code replicas} replicas and three sentinels, and waits until the replicas are in sync
   * and every sentinel knows every replica and the other sentinels.
   */
  public static RedisSentinelGroup launch(int replicas) {
    Path binary = RedisBinary.find();
    RedisSentinelGroup group;
    try {
      group = new RedisSentinelGroup(Files.createTempDirectory("lockkit-sentinels"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      RedisServer primary = RedisServer.launch(binary);
      group.servers.add(primary);
      for (int i = 0; i < replicas; i++) {
        group.servers.add(RedisServer.launch(binary, "--replicaof", "127.0.0.1", Integer.toString(primary.port())));
      }
      for (int i = 0; i < 3; i++) {
        Path conf = group.configs.resolve("sentinel-" + i + ".conf");
        Files.writeString(conf, String.join("\n",
            "sentinel monitor " + MASTER + " 127.0.0.1 " + primary.port() + " 2",
            "sentinel down-after-milliseconds " + MASTER + " " + DOWN_AFTER.toMillis(),
            "sentinel failover-timeout " + MASTER + " " + FAILOVER_TIMEOUT.toMillis(),
            "sentinel parallel-syncs " + MASTER + " 1", ""));
        group.sentinels.add(RedisServer.launchWithConfig(binary, conf, "--sentinel"));
      }
      group.awaitSettled();
      return group;
    } catch (IOException e) {
      group.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      group.close();
      throw e;
    }
  }

  /** A {@code redis-sentinel://} URI naming the three sentinels and {@link #MASTER}. */
  public String uri() {
    return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","))
        + "/" + MASTER;
  }

  /** The data servers: primary and replicas, in no particular role order after a failover. */
  public List<RedisServer> servers() {
    return List.copyOf(servers);
  }

  /** The sentinel processes. */
  public List<RedisServer> sentinels() {
    return List.copyOf(sentinels);
  }

  /** The server that the first sentinel names as the primary now. */
  public RedisServer primary() {
    return serverOn(primaryPort(sentinels.get(0)));
  }

  /** Kills the current primary with SIGKILL, as a crash would, and returns it. */
  public RedisServer killPrimary() {
    RedisServer primary = primary();
    primary.kill();
    return primary;
  }

  /**
   * Waits until every running sentinel names a primary other than {@code old}, and that server says it is a
   * master; returns it.
   */
  public RedisServer awaitPrimaryOtherThan(RedisServer old) {
    return Awaitility.await("sentinels promote a replica of port " + old.port()).atMost(PATIENCE)
        .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
        .until(this::agreedPrimary, agreed -> agreed != null && agreed != old);
  }

  /**
   * Starts {@code old} (killed before) again as a replica of the current primary, empty, and waits until it is in
   * sync and every sentinel counts it as a healthy replica, so that it can be promoted by the next failover.
   */
  public void restartAsReplica(RedisServer old) {
    RedisServer primary = primary();
    old.startWith("--replicaof", "127.0.0.1", Integer.toString(primary.port()));
    awaitSettled();
  }

  /**
   * Kills the primary, waits for the promotion of a replica, restarts the old primary as a replica and waits
   * until it is in sync; returns the new primary.
   */
  public RedisServer failOver() {
    RedisServer old = killPrimary();
    RedisServer promoted = awaitPrimaryOtherThan(old);
    restartAsReplica(old);
    return promoted;
  }

  /** What a sentinel says the primary is: the port of {@code SENTINEL get-master-addr-by-name}. */
  private static int primaryPort(RedisServer sentinel) {
    try (Resp r = sentinel.resp()) {
      List<?> address = (List<?>) r.call("SENTINEL", "get-master-addr-by-name", MASTER);
      return Integer.parseInt(String.valueOf(address.get(1)));
    }
  }

  private RedisServer serverOn(int port) {
    return servers.stream().filter(s -> s.port() == port).findFirst()
        .orElseThrow(() -> new IllegalStateException("no server of this group on port " + port));
  }

  private static String role(Resp r) {
    return String.valueOf(((List<?>) r.call("ROLE")).get(0));
  }

  /**
   * The running sentinels agree on a primary, which says it is a master; every other running server is its replica,
   * connected and in sync; and every sentinel knows the other two and counts every such replica without a down
   * flag. The primary is the one the sentinels name at each look, not one fixed before: on a loaded machine a
   * primary that stalls past {@link #DOWN_AFTER} is failed over once more while the group settles, and the group
   * then settles on the new one (the sentinels make every replica they know follow it).
   */
  private void awaitSettled() {
    Awaitility.await("the group settled: replicas in sync with the primary the sentinels name and known to them")
        .atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
          RedisServer primary = agreedPrimary();
          return primary != null && settledOn(primary);
        });
  }

  /** The server every running sentinel names as the primary, if they agree and it says it is a master; else null. */
  private RedisServer agreedPrimary() {
    List<Integer> named = sentinels.stream().filter(RedisServer::isRunning).map(RedisSentinelGroup::primaryPort)
        .distinct().toList();
    if (named.size() != 1) {
      return null;
    }
    RedisServer primary = serverOn(named.get(0));
    try (Resp r = primary.resp()) {
      return role(r).equals("master") ? primary : null;
    }
  }

  /** The replicas' and sentinels' part of {@link #awaitSettled}, on {@code primary}. */
  private boolean settledOn(RedisServer primary) {
    List<RedisServer> replicas = servers.stream().filter(s -> s != primary && s.isRunning()).toList();
    for (RedisServer replica : replicas) {
      try (Resp r = replica.resp()) {
        String info = r.string("INFO", "replication");
        if (!info.contains("master_port:" + primary.port()) || !info.contains("master_link_status:up")
            || info.contains("master_sync_in_progress:1")) {
          return false;
        }
      }
    }
    for (RedisServer sentinel : sentinels) {
      try (Resp r = sentinel.resp()) {
        Map<String, String> master = fields((List<?>) r.call("SENTINEL", "master", MASTER));
        if (!Objects.equals(master.get("num-other-sentinels"), "2")) {
          return false;
        }
        long healthy = ((List<?>) r.call("SENTINEL", "replicas", MASTER)).stream()
            .map(o -> fields((List<?>) o))
            .filter(f -> replicas.stream().anyMatch(s -> String.valueOf(s.port()).equals(f.get("port"))))
            .filter(f -> !f.get("flags").contains("down") && !f.get("flags").contains("disconnected"))
            .count();
        if (healthy != replicas.size()) {
          return false;
        }
      }
    }
    return true;
  }

  private static Map<String, String> fields(List<?> flat) {
    Map<String, String> map = new java.util.HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      map.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
    }
    return map;
  }

  /** Stops the sentinels and the servers and removes the sentinels' configuration files. */
  @Override
  public void close() {
    sentinels.forEach(RedisServer::stop);
    servers.forEach(RedisServer::stop);
    try (Stream<Path> files = Files.walk(configs)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
