package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisCluster;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code waitReplicas=1} with one real replica, on a standalone primary and on a cluster whose masters have one
 * replica each: {@code WAIT} counts only the writes of the connection that sends it, so it must go out on the
 * connection that ran the acquire script. A replica frozen (SIGSTOP) cannot acknowledge, so the acquisition fails
 * and leaves no lock key; a running replica has the lock key as soon as the acquisition returns.
 */
class ReplicaAcknowledgementTest {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2); // WAIT: 1 s on the server

  private static RedisServer primary;
  private static RedisServer replica;
  private static RedisCluster cluster;

  @BeforeAll
  static void startServers() {
    primary = RedisServer.launch();
    replica = RedisServer.launchReplicaOf(primary);
    cluster = RedisCluster.launchWithReplicas(3);
  }

  @AfterAll
  static void stopServers() {
    if (cluster != null) {
      cluster.close();
    }
    if (replica != null) {
      replica.stop();
    }
    if (primary != null) {
      primary.stop();
    }
  }

  /** A test that fails while a replica is frozen must not leave it so for the next one. */
  @AfterEach
  void thaw() {
    replica.resume();
    for (RedisServer master : cluster.nodes()) {
      cluster.replicaOf(master).resume();
    }
  }

  static Stream<Arguments> deployments() {
    return Stream.of("lettuce", "jedis").flatMap(driver -> Stream.of(
        Arguments.argumentSet(driver + ", standalone", driver, false),
        Arguments.argumentSet(driver + ", cluster", driver, true)));
  }

  @ParameterizedTest
  @MethodSource("deployments")
  @Timeout(60)
  void anAcquisitionReturnsOnlyOnceTheReplicaHasTheLock(String driver, boolean onCluster)
      throws InterruptedException {
    String name = "replicated/" + driver + "/" + onCluster;
    String key = "lockkit:{" + name + "}";
    try (LockClient client = Locks.connect(uri(driver, onCluster), options());
        Lease lease = client.lock(name).acquire(Duration.ofSeconds(10))) {
      assertThat(lease.isValid()).isTrue();
      try (Resp r = replicaOf(key, onCluster).resp()) {
        if (onCluster) {
          r.call("READONLY"); // a cluster replica answers for its master's keys only so
        }
        // no waiting here: WAIT on the script's own connection returned only once the replica had it
        assertThat(r.call("EXISTS", key)).as("the lock key on the replica").isEqualTo(1L);
      }
    }
  }

  /**
   * The scripts flushed from the servers (a restart, {@code SCRIPT FLUSH}): the acquire script is sent whole on
   * the connection it and {@code WAIT} share, and the acquisition is granted. Closing the client closes that
   * connection too.
   */
  @ParameterizedTest
  @MethodSource("deployments")
  @Timeout(60)
  void anAcquisitionAfterTheScriptsWereFlushedSendsTheScriptAgainAndClosesItsConnections(String driver,
      boolean onCluster) throws InterruptedException {
    String name = "flushed/" + driver + "/" + onCluster;
    String key = "lockkit:{" + name + "}";
    RedisServer master = masterOf(key, onCluster);
    long before = clients(master);
    try (LockClient client = Locks.connect(uri(driver, onCluster), options())) {
      client.lock(name).acquire(Duration.ofSeconds(10)).close();
      for (RedisServer node : onCluster ? cluster.nodes() : List.of(primary)) {
        try (Resp r = node.resp()) {
          r.call("SCRIPT", "FLUSH");
        }
      }
      try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(10))) {
        assertThat(lease.isValid()).isTrue();
        try (Resp r = replicaOf(key, onCluster).resp()) {
          if (onCluster) {
            r.call("READONLY");
          }
          assertThat(r.call("EXISTS", key)).as("the lock key on the replica").isEqualTo(1L);
        }
      }
    }
    await("the client's connections to " + master + " closed").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20)).until(() -> clients(master) == before);
  }

  /** Clients connected to {@code server}, apart from the one asking. */
  private static long clients(RedisServer server) {
    try (Resp r = server.resp()) {
      String line = r.string("INFO", "clients").lines().filter(l -> l.startsWith("connected_clients:")).findFirst()
          .orElseThrow();
      return Long.parseLong(line.substring("connected_clients:".length()).trim()) - 1;
    }
  }

  /**
   * Many acquisitions at once while other commands of the same client come and go, so that a driver that sent
   * {@code WAIT} on whichever connection was free would send some of them on a connection that wrote nothing
   * since the replica froze, and be told that the replica has everything.
   */
  @ParameterizedTest
  @MethodSource("deployments")
  @Timeout(90)
  void acquisitionsAFrozenReplicaCannotAcknowledgeFailAndLeaveNoLockKey(String driver, boolean onCluster)
      throws Exception {
    List<String> names = IntStream.range(0, 16).mapToObj(i -> "unacknowledged/" + driver + "/" + onCluster + "/" + i)
        .toList();
    String busy = "unacknowledged/" + driver + "/" + onCluster + "/held-elsewhere";
    List<RedisServer> frozen = onCluster ? cluster.nodes().stream().map(cluster::replicaOf).toList() : List.of(replica);
    ExecutorService traffic = Executors.newFixedThreadPool(4);
    try (LockClient client = Locks.connect(uri(driver, onCluster), options());
        LockClient other = Locks.connect(uri(driver, onCluster), options());
        Lease held = other.lock(busy).acquire(Duration.ofSeconds(10))) {
      // connections open and scripts loaded while the replicas still answer
      for (CompletableFuture<Lease> warm : acquireAll(client, names)) {
        warm.get(10, TimeUnit.SECONDS).close();
      }
      AtomicBoolean stop = new AtomicBoolean();
      frozen.forEach(RedisServer::pause);
      try {
        // commands of the same client that write nothing: a lock held elsewhere, tried again and again
        for (int i = 0; i < 4; i++) {
          traffic.execute(() -> {
            while (!stop.get()) {
              client.lock(busy).tryAcquire().ifPresent(Lease::close);
            }
          });
        }
        List<CompletableFuture<Lease>> tries = acquireAll(client, names);
        for (int i = 0; i < names.size(); i++) {
          CompletableFuture<Lease> acquiring = tries.get(i);
          assertThatThrownBy(() -> acquiring.get(20, TimeUnit.SECONDS).close()).as(names.get(i))
              .isInstanceOf(ExecutionException.class).cause().isInstanceOf(LockBackendException.class)
              .hasMessageContaining("replicas acknowledged");
        }
        for (String name : names) {
          String key = "lockkit:{" + name + "}";
          try (Resp r = masterOf(key, onCluster).resp()) {
            assertThat(r.call("EXISTS", key)).as("the lock key of " + name + " once its acquisition failed")
                .isEqualTo(0L);
          }
        }
      } finally {
        stop.set(true);
        frozen.forEach(RedisServer::resume);
      }
      // the replicas back, the locks are free and can be acquired again
      for (CompletableFuture<Lease> again : acquireAll(client, names)) {
        again.get(10, TimeUnit.SECONDS).close();
      }
    } finally {
      traffic.shutdown();
      assertThat(traffic.awaitTermination(10, TimeUnit.SECONDS)).as("traffic stopped").isTrue();
    }
  }

  private static List<CompletableFuture<Lease>> acquireAll(LockClient client, List<String> names) {
    return names.stream().map(n -> client.lock(n).acquireAsync(Duration.ofSeconds(10))).toList();
  }

  /**
   * {@code WAIT} blocks the connection it is sent on until it answers. On Lettuce every other command of the
   * client shares one connection, so the {@code WAIT} must go out elsewhere: renewals and releases of the client's
   * other leases must not queue behind it.
   */
  @Test
  @Timeout(60)
  void onLettuceAWaitForAFrozenReplicaDoesNotStallTheRenewalsAndReleasesOfOtherLeases() throws Exception {
    Duration lease = Duration.ofSeconds(5);
    Duration renewEvery = Duration.ofMillis(250);
    Duration commandTimeout = Duration.ofSeconds(4); // WAIT: 2 s on the server
    LockOptions options = LockOptions.builder().leaseTime(lease).renewInterval(renewEvery)
        .commandTimeout(commandTimeout).build();
    try (LockClient client = Locks.connect(primary.uri() + "?waitReplicas=1&driver=lettuce", options)) {
      Lease released = client.lock("stall/released").acquire(Duration.ofSeconds(10));
      Lease renewed = client.lock("stall/renewed").acquire(Duration.ofSeconds(10));
      replica.pause();
      try {
        CompletableFuture<Lease> blocked = client.lock("stall/blocked").acquireAsync(Duration.ofSeconds(20));
        await("the acquisition's WAIT blocked on the primary").atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(10)).until(() -> {
              try (Resp r = primary.resp()) {
                return r.string("CLIENT", "LIST").contains("cmd=wait");
              }
            });
        long start = System.nanoTime();
        released.close();
        Duration releasing = Duration.ofNanos(System.nanoTime() - start);
        assertThat(releasing).as("a release while a WAIT of 2 s blocks").isLessThan(Duration.ofMillis(800));
        assertThat(blocked).as("the acquisition still waits for its WAIT").isNotDone();

        // the renewed lease's TTL on the server, lowest seen until the WAIT has ended
        AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
        await("the WAIT ended").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
          try (Resp r = primary.resp()) {
            lowest.accumulateAndGet((Long) r.call("PTTL", "lockkit:{stall/renewed}"), Math::min);
          }
          return blocked.isDone();
        });
        assertThatThrownBy(() -> blocked.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(LockBackendException.class);
        // renewed every 250 ms: the TTL stays near 5 s; renewals queued behind the WAIT let it fall below 3 s
        assertThat(lowest.get()).as("lowest TTL of the renewed lease, ms").isGreaterThan(3800L);
        assertThat(renewed.isValid()).isTrue();
      } finally {
        replica.resume();
      }
      renewed.close();
    }
  }

  private static LockOptions options() {
    return LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).build();
  }

  private static String uri(String driver, boolean onCluster)
      throws InterruptedException {
    return (onCluster ? cluster.uri() : primary.uri()) + "?waitReplicas=1&driver=" + driver;
  }

  private static RedisServer masterOf(String key, boolean onCluster) {
    return onCluster ? cluster.nodeOf(key) : primary;
  }

  private static RedisServer replicaOf(String key, boolean onCluster) {
    return onCluster ? cluster.replicaOf(cluster.nodeOf(key)) : replica;
  }
}
