package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.SharedServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.ConnectionProvider;

/**
 * Lock clients on the application's own Lettuce and Jedis clients: they lock on clusters too, leave the
 * application's client working when they close (and able to make the next lock client), and refuse bad input.
 * The whole contract runs on such clients in {@link ExistingLettuceContractTest} and {@link ExistingJedisContractTest}.
 */
class ExistingRedisClientTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  private static LockOptions options() {
    return LockOptions.builder().leaseTime(Duration.ofSeconds(10)).commandTimeout(Duration.ofSeconds(2)).build();
  }

  /**
   * The default command timeout: a first cluster connection (topology from three nodes, classes loaded) took over
   * 2 s in a loaded parallel build. (Not for every test: a WAIT for a missing replica must end within Jedis' 2 s
   * socket timeout to be told as such.)
   */
  private static LockOptions clusterOptions() {
    return LockOptions.builder().leaseTime(Duration.ofSeconds(10)).commandTimeout(Duration.ofSeconds(5)).build();
  }

  private static String name() {
    return "existing/" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** Two lock clients on one application client: exclusion, a woken waiter, growing tokens. */
  private static void exerciseTwoClients(Function<LockOptions, LockClient> connect) throws Exception {
    exerciseTwoClients(connect, options());
  }

  private static void exerciseTwoClients(Function<LockOptions, LockClient> connect, LockOptions options)
      throws Exception {
    try (LockClient a = connect.apply(options); LockClient b = connect.apply(options)) {
      String name = name();
      Lease held = a.lock(name).acquire(PROMPTLY);
      assertThat(b.lock(name).tryAcquire()).isEmpty();
      CompletableFuture<Lease> waiting = b.lock(name).acquireAsync(Duration.ofSeconds(30));
      held.close();
      try (Lease next = waiting.get(20, TimeUnit.SECONDS)) {
        assertThat(next.isValid()).isTrue();
        assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
      }
    }
  }

  @Test
  void aLettuceRedisClientStaysOpenAndServesTheNextLockClient() throws Exception {
    RedisClient client = RedisClient.create(SharedServers.standalone().uri());
    try {
      exerciseTwoClients(o -> RedisLocks.onLettuce(client, o));
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        assertThat(c.sync().ping()).isEqualTo("PONG");
      }
      exerciseTwoClients(o -> RedisLocks.onLettuce(client, o));
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aLettuceClusterClientLocksOnTheClusterAndStaysOpen() throws Exception {
    RedisClusterClient client = RedisClusterClient.create(SharedServers.cluster().nodes().stream()
        .map(n -> RedisURI.create("127.0.0.1", n.port())).collect(Collectors.toList()));
    try {
      exerciseTwoClients(o -> RedisLocks.onLettuce(client, o), clusterOptions());
      try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
        assertThat(c.sync().ping()).isEqualTo("PONG");
        assertThat(c.sync().clusterInfo()).contains("cluster_state:ok");
      }
      exerciseTwoClients(o -> RedisLocks.onLettuce(client, o), clusterOptions());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aPooledJedisClientStaysOpenWithNoConnectionLeftBorrowed() throws Exception {
    try (redis.clients.jedis.RedisClient client =
        redis.clients.jedis.RedisClient.create("127.0.0.1", SharedServers.standalone().port())) {
      exerciseTwoClients(o -> RedisLocks.onJedis(client, o));
      assertThat(client.ping()).isEqualTo("PONG");
      // the subscription connections were lockkit's for the lock clients' lives, and are gone, not given back
      assertThat(client.getPool().getNumActive()).isZero();
      exerciseTwoClients(o -> RedisLocks.onJedis(client, o));
      assertThat(client.getPool().getNumActive()).isZero();
    }
  }

  @Test
  void aJedisClusterClientLocksOnTheClusterAndStaysOpen() throws Exception {
    Set<HostAndPort> nodes = SharedServers.cluster().nodes().stream()
        .map(n -> new HostAndPort("127.0.0.1", n.port())).collect(Collectors.toSet());
    try (redis.clients.jedis.RedisClusterClient client = redis.clients.jedis.RedisClusterClient.create(nodes)) {
      exerciseTwoClients(o -> RedisLocks.onJedis(client, o));
      assertThat(client.set("existing-check", "v")).isEqualTo("OK");
      assertThat(client.getClusterNodes().values()).allSatisfy(pool -> assertThat(pool.getNumActive()).isZero());
      exerciseTwoClients(o -> RedisLocks.onJedis(client, o));
    }
  }

  @Test
  void settingsReachTheServer() throws Exception {
    RedisClient client = RedisClient.create(SharedServers.standalone().uri());
    RedisLocks.Settings settings = RedisLocks.Settings.builder().fenceRetention(Duration.ofSeconds(90)).build();
    try (LockClient locks = RedisLocks.onLettuce(client, options(), settings);
        StatefulRedisConnection<String, String> c = client.connect()) {
      String name = name();
      locks.lock(name).acquire(PROMPTLY).close();
      long ttl = c.sync().pttl(locks.options().namespace() + ":{" + name + "}:fence");
      assertThat(ttl).isBetween(1L, 90_000L).isGreaterThan(60_000L);
    } finally {
      client.shutdown();
    }
  }

  /**
   * {@code WAIT} on a connection borrowed from the application's pool: granted with the replica up, refused (and
   * the lock released again) when more replicas are asked for than there are; no connection stays borrowed.
   */
  @Test
  void waitReplicasOnAPooledJedisClientWaitsForTheReplica() throws Exception {
    try (RedisServer primary = RedisServer.launch(); RedisServer replica = RedisServer.launchReplicaOf(primary);
        redis.clients.jedis.RedisClient client = redis.clients.jedis.RedisClient.create("127.0.0.1", primary.port())) {
      primary.awaitReplicasOnline(1);
      String name = name();
      try (LockClient one = RedisLocks.onJedis(client, options(), RedisLocks.Settings.builder().waitReplicas(1).build());
          LockClient two = RedisLocks.onJedis(client, options(), RedisLocks.Settings.builder().waitReplicas(2).build())) {
        one.lock(name).acquire(PROMPTLY).close();
        assertThatThrownBy(() -> two.lock(name).acquire(Duration.ofSeconds(3)))
            .isInstanceOf(LockBackendException.class).hasMessageContaining("replica");
        assertThat(one.lock(name).tryAcquire()).hasValueSatisfying(Lease::close);
      }
      assertThat(client.getPool().getNumActive()).isZero();
      assertThat(replica.isRunning()).isTrue();
    }
  }

  @Test
  void nullArgumentsAreNamed() {
    RedisClient client = RedisClient.create(SharedServers.standalone().uri());
    try {
      assertThatThrownBy(() -> RedisLocks.onLettuce((RedisClient) null, options()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client");
      assertThatThrownBy(() -> RedisLocks.onLettuce((RedisClusterClient) null, options()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client");
      assertThatThrownBy(() -> RedisLocks.onJedis(null, options()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client");
      assertThatThrownBy(() -> RedisLocks.onLettuce(client, null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("options");
      assertThatThrownBy(() -> RedisLocks.onLettuce(client, options(), null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("settings");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void badSettingsAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> RedisLocks.Settings.builder().waitReplicas(-1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitReplicas");
    assertThatThrownBy(() -> RedisLocks.Settings.builder().fenceRetention(Duration.ofMillis(10)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fenceRetention");
    assertThatThrownBy(() -> RedisLocks.Settings.builder().fenceRetention(null).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fenceRetention");
    assertThatThrownBy(() -> RedisLocks.Settings.builder().waitReplicas(1).waitReplicas(2))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("waitReplicas");
  }

  @Test
  void aLettuceRedisClientWithoutAUriIsRefused() {
    RedisClient client = RedisClient.create();
    try {
      assertThatThrownBy(() -> RedisLocks.onLettuce(client, options()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RedisURI");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void waitReplicasOnALettuceRedisClientIsRefused() {
    RedisClient client = RedisClient.create(SharedServers.standalone().uri());
    try {
      assertThatThrownBy(() -> RedisLocks.onLettuce(client, options(),
          RedisLocks.Settings.builder().waitReplicas(1).build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitReplicas");
    } finally {
      client.shutdown();
    }
  }

  @Test
  @SuppressWarnings("deprecation") // UnifiedJedis's public constructor on any provider, deprecated in Jedis 8
  void aJedisClientOverAnotherKindOfProviderIsRefused() {
    int port = SharedServers.standalone().port();
    ConnectionProvider single = new ConnectionProvider() {
      @Override
      public Connection getConnection() {
        return new Connection("127.0.0.1", port);
      }

      @Override
      public Connection getConnection(redis.clients.jedis.CommandArguments args) {
        return getConnection();
      }

      @Override
      public void close() {}
    };
    try (UnifiedJedis client = new UnifiedJedis(single, 1, Duration.ofSeconds(1))) {
      assertThatThrownBy(() -> RedisLocks.onJedis(client, options()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pool");
    }
  }

  @Test
  void aServerThatIsDownFailsWithinTheCommandTimeout() throws Exception {
    int port = RedisServer.freePort();
    RedisClient lettuce = RedisClient.create("redis://127.0.0.1:" + port);
    try (redis.clients.jedis.RedisClient jedis = redis.clients.jedis.RedisClient.create("127.0.0.1", port)) {
      assertThatThrownBy(() -> RedisLocks.onLettuce(lettuce, options())).isInstanceOf(LockBackendException.class);
      assertThatThrownBy(() -> RedisLocks.onJedis(jedis, options())).isInstanceOf(LockBackendException.class);
    } finally {
      lettuce.shutdown();
    }
  }

  /** A server that accepts connections and never answers: the application's own timeouts are far longer. */
  @Test
  void aServerThatNeverAnswersFailsWithinTheCommandTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      RedisClient lettuce = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(silent.getLocalPort())
          .withTimeout(Duration.ofSeconds(60)).build());
      LockOptions quick = LockOptions.builder().commandTimeout(Duration.ofSeconds(1)).build();
      redis.clients.jedis.RedisClient jedis = redis.clients.jedis.RedisClient.builder()
          .hostAndPort(new HostAndPort("127.0.0.1", silent.getLocalPort()))
          .clientConfig(redis.clients.jedis.DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000).build())
          .build();
      try {
        for (Runnable connect : List.<Runnable>of(() -> RedisLocks.onLettuce(lettuce, quick),
            () -> RedisLocks.onJedis(jedis, quick))) {
          long start = System.nanoTime();
          assertThatThrownBy(connect::run).isInstanceOf(LockBackendException.class)
              .hasMessageContaining("PT1S");
          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        }
      } finally {
        lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        jedis.close();
      }
    }
  }
}
