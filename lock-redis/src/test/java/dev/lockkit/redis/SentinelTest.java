package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisSentinelGroup;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code redis-sentinel://} with both drivers on a real group (a primary, one replica, three sentinels): locks
 * through the primary the sentinels name, a waiter woken by the release, a failover (the primary killed, the
 * replica promoted) after which acquisitions go on with larger fencing tokens, a waiter that outlives the failover,
 * and connects that fail within the command timeout saying why.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SentinelTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  /** The sentinels call the primary down after 1 s and promote within a few more; the client follows. */
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);
  /** Once the sentinels name the promoted replica, the client reaches it within its reconnect delay (1 s). */
  private static final Duration CLIENT_FOLLOWS = Duration.ofSeconds(10);

  private static RedisSentinelGroup group;

  @BeforeAll
  static void startGroup() {
    group = RedisSentinelGroup.launch(1);
    // load both drivers once, so that the connect timings below measure connecting, not class loading
    connect("lettuce", Duration.ofSeconds(5)).close();
    connect("jedis", Duration.ofSeconds(5)).close();
  }

  @AfterAll
  static void stopGroup() {
    if (group != null) {
      group.close();
    }
  }

  private static LockClient connect(String driver, Duration lease) {
    return Locks.connect(group.uri() + "?driver=" + driver,
        LockOptions.builder().leaseTime(lease).commandTimeout(TIMEOUT).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void waitReplicasAcquiresOnceTheReplicaHasTheLock(String driver) throws Exception {
    String name = "sentinel/replicated/" + driver;
    group.primary().awaitReplicasOnline(1);
    // WAIT gets half the command timeout: room for a loaded machine
    try (LockClient client = Locks.connect(group.uri() + "?driver=" + driver + "&waitReplicas=1",
        LockOptions.builder().leaseTime(Duration.ofSeconds(30)).commandTimeout(Duration.ofSeconds(4)).build());
         Lease lease = client.lock(name).acquire(Duration.ofSeconds(5))) {
      RedisServer primary = group.primary();
      RedisServer replica = group.servers().stream().filter(s -> s != primary && s.isRunning()).findFirst()
          .orElseThrow();
      try (Resp r = replica.resp()) {
        assertThat(r.call("EXISTS", "lockkit:{" + name + "}")).as("the lock is on the replica").isEqualTo(1L);
      }
      assertThat(lease.isValid()).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void locksOnThePrimaryTheSentinelsNameAndWakesAWaiterOnRelease(String driver) throws Exception {
    String name = "sentinel/wake/" + driver;
    try (LockClient a = connect(driver, Duration.ofSeconds(30)); LockClient b = connect(driver, Duration.ofSeconds(30))) {
      Lease held = a.lock(name).acquire(Duration.ofSeconds(5));
      try (Resp primary = group.primary().resp()) {
        assertThat(primary.call("EXISTS", "lockkit:{" + name + "}")).as("the lock is on the primary").isEqualTo(1L);
      }
      CompletableFuture<Lease> waiter = b.lock(name).acquireAsync(Duration.ofSeconds(20));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiter.isDone());
      long releasedAt = System.nanoTime();
      held.close();
      // woken by the release's message, not by the holder's 30 s lease running out
      Lease next = waiter.get(10, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).isLessThan(Duration.ofSeconds(5));
      assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
      next.close();
      assertThat(b.lock(name).tryAcquire()).hasValueSatisfying(Lease::close);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void afterTheSentinelsPromoteAReplicaAcquisitionsGoOnWithLargerTokens(String driver) {
    String name = "sentinel/failover/" + driver;
    try (LockClient client = connect(driver, Duration.ofSeconds(5))) {
      long before;
      try (Lease lease = client.lock(name).tryAcquire().orElseThrow()) {
        before = lease.fencingToken();
      }
      RedisServer old = group.killPrimary();
      // how long the sentinels take is theirs (down-after, election, at most a retry); the client's part starts
      // once they all name the promoted replica
      RedisServer promoted = group.awaitPrimaryOtherThan(old);
      long promotedAt = System.nanoTime();
      assertThat(promoted).isNotSameAs(old);
      Lease after = awaitAcquired(client, name, FAILOVER_BOUND);
      Duration recovery = Duration.ofNanos(System.nanoTime() - promotedAt);
      try (after) {
        assertThat(after.fencingToken()).as("tokens keep growing across the failover").isGreaterThan(before);
        try (Resp r = promoted.resp()) {
          assertThat(r.call("EXISTS", "lockkit:{" + name + "}")).as("the lock is on the new primary").isEqualTo(1L);
        }
      } finally {
        group.restartAsReplica(old);
      }
      assertThat(recovery).as("from the promotion to the first acquisition").isLessThan(CLIENT_FOLLOWS);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aWaiterOutlivesTheFailoverAndTheLockPassesOn(String driver) throws Exception {
    String name = "sentinel/waiter/" + driver;
    try (LockClient a = connect(driver, Duration.ofSeconds(4)); LockClient b = connect(driver, Duration.ofSeconds(4))) {
      Lease held = a.lock(name).acquire(Duration.ofSeconds(5));
      CompletableFuture<Lease> waiter = b.lock(name).acquireAsync(Duration.ofSeconds(60));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiter.isDone());
      RedisServer old = group.killPrimary();
      try {
        group.awaitPrimaryOtherThan(old);
        catchThrowable(held::close); // the holder's lease may be lost in the failover: it is told, by a throw
        // the waiter gets the lock (woken by the release, or by the lease ending) or fails with the outage, in
        // bounded time; it does not sit out its 60 s wait
        Lease next;
        try {
          next = waiter.get(FAILOVER_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(LockBackendException.class);
          next = awaitAcquired(b, name, FAILOVER_BOUND);
        }
        try (Lease taken = next) {
          assertThat(taken.fencingToken()).isGreaterThan(held.fencingToken());
        }
      } finally {
        group.restartAsReplica(old);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void sentinelsThatCannotBeReachedFailTheConnectWithinTheTimeout(String driver) {
    String uri = "redis-sentinel://127.0.0.1:" + RedisServer.freePort() + ",127.0.0.1:" + RedisServer.freePort()
        + "/" + RedisSentinelGroup.MASTER + "?driver=" + driver;
    assertConnectFails(uri, "sentinel");
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void silentSentinelsFailTheConnectWithinTheTimeout(String driver) throws IOException {
    // connections complete in the kernel's backlog and are never answered: asked one after the other with a
    // timeout each, three such sentinels would take three timeouts (for each of Lettuce's two connections)
    try (ServerSocket one = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket two = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket three = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String uri = "redis-sentinel://127.0.0.1:" + one.getLocalPort() + ",127.0.0.1:" + two.getLocalPort()
          + ",127.0.0.1:" + three.getLocalPort() + "/" + RedisSentinelGroup.MASTER + "?driver=" + driver;
      assertConnectFails(uri, "sentinel");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aMasterTheSentinelsDoNotMonitorFailsTheConnectNamingIt(String driver) {
    String uri = group.uri().replace(RedisSentinelGroup.MASTER, "no-such-master") + "?driver=" + driver;
    assertConnectFails(uri, "no-such-master");
    assertConnectFails(uri, "monitor");
  }

  private static void assertConnectFails(String uri, String mentioning) {
    long start = System.nanoTime();
    Throwable e = catchThrowable(() -> Locks.connect(uri, LockOptions.builder().commandTimeout(TIMEOUT).build())
        .close());
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(e).isInstanceOf(LockBackendException.class).hasMessageContaining(mentioning);
    // the command timeout, and room for two loaded cores
    assertThat(took).as("%s", e).isLessThan(TIMEOUT.multipliedBy(2).plusMillis(500));
  }

  /** Tries the lock until it is taken; failures of the outage (backend errors) are retried. */
  private static Lease awaitAcquired(LockClient client, String name, Duration bound) {
    AtomicReference<Lease> taken = new AtomicReference<>();
    await("lock '" + name + "' taken after the failover").atMost(bound).pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsInstanceOf(LockException.class).until(() -> {
          Optional<Lease> lease = client.lock(name).tryAcquire();
          lease.ifPresent(taken::set);
          return lease.isPresent();
        });
    return taken.get();
  }
}
