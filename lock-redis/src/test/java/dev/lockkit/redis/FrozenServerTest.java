package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Servers frozen (SIGSTOP) across an acquisition: no acquisition returns a lease that is invalid already. A
 * grant whose answer comes after its lease time is released and the acquisition goes on; an answer that does
 * not come within the command timeout fails the acquisition with a {@link LockBackendException}; either way no
 * lock key is left behind.
 */
class FrozenServerTest {
  private static RedisServer primary;
  private static RedisServer replica;

  @BeforeAll
  static void startServers() {
    primary = RedisServer.launch();
    replica = RedisServer.launch("--replicaof", "127.0.0.1", Integer.toString(primary.port()));
    awaitReplicaOnline();
  }

  @AfterAll
  static void stopServers() {
    if (replica != null) {
      replica.stop();
    }
    if (primary != null) {
      primary.stop();
    }
  }

  /** A test that fails while a server is frozen must not leave it so for the next one. */
  @AfterEach
  void thaw() {
    for (RedisServer server : new RedisServer[] {primary, replica}) {
      if (server.isRunning()) {
        server.resume();
      }
    }
  }

  static Stream<Arguments> driversAndCohorting() {
    return Stream.of("lettuce", "jedis").flatMap(driver -> Stream.of(
        Arguments.argumentSet(driver + ", cohorting on", driver, true),
        Arguments.argumentSet(driver + ", cohorting off", driver, false)));
  }

  /**
   * With {@code waitReplicas=1} an acquisition takes two round trips, each within the command timeout: the
   * script, then {@code WAIT} (which the server ends after half the command timeout). The primary answers the
   * script late but within the command timeout, and the frozen replica acknowledges only after the lease time
   * has passed: that grant is dead on arrival. It must be released and the acquisition must go on; once the
   * replica is back the next grant is acknowledged at once.
   */
  @ParameterizedTest
  @MethodSource("driversAndCohorting")
  @Timeout(90)
  void aGrantAnsweredAfterItsLeaseTimeIsReleasedAndTheAcquisitionGoesOn(String driver, boolean cohorting)
      throws Exception {
    Duration lease = Duration.ofSeconds(4);
    Duration commandTimeout = Duration.ofMillis(3900); // WAIT: 1950 ms on the server
    LockOptions.Builder b = LockOptions.builder().leaseTime(lease).renewInterval(Duration.ofMillis(100))
        .commandTimeout(commandTimeout);
    if (!cohorting) {
      b.withoutCohorting();
    }
    String name = "frozen/late-grant/" + driver + "/" + cohorting;
    try (LockClient client = Locks.connect(primary.uri() + "?waitReplicas=1&driver=" + driver, b.build())) {
      client.lock(name).acquire(Duration.ofSeconds(5)).close(); // scripts loaded, connections open
      replica.pause();
      primary.pause();
      long start = System.nanoTime();
      CompletableFuture<Lease> acquiring = client.lock(name).acquireAsync(Duration.ofSeconds(30));
      sleepUntil(start, Duration.ofMillis(3100)); // the script's answer: 800 ms before the command timeout
      primary.resume();
      sleepUntil(start, Duration.ofMillis(4500)); // WAIT acknowledged: lease deadline 3960 ms, WAIT ends 5050 ms
      replica.resume();
      Lease got = acquiring.get(30, TimeUnit.SECONDS);
      assertThat(got.isValid()).as("a lease is valid when acquire returns it").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("granted only after the replica thawed")
          .isGreaterThan(Duration.ofMillis(4500));
      got.close();
      assertNoLockKey(name, Duration.ofSeconds(2));
    }
  }

  /**
   * A server frozen for longer than the lease while an acquisition waits for its answer: the answer does not
   * come within the command timeout, so the acquisition fails clearly, and the script that the server runs
   * when it thaws is undone by the client's compare-and-delete.
   */
  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(90)
  void aServerFrozenLongerThanTheLeaseFailsTheAcquisitionClearlyAndLeavesNoLockHeld(String driver)
      throws Exception {
    Duration lease = Duration.ofSeconds(2);
    LockOptions options = LockOptions.builder().leaseTime(lease).renewInterval(Duration.ofMillis(100))
        .commandTimeout(Duration.ofMillis(1900)).build();
    String name = "frozen/no-answer/" + driver;
    try (LockClient client = Locks.connect(primary.uri() + "?driver=" + driver, options)) {
      client.lock(name).acquire(Duration.ofSeconds(5)).close();
      primary.pause();
      long start = System.nanoTime();
      CompletableFuture<Lease> acquiring = client.lock(name).acquireAsync(Duration.ofSeconds(30));
      sleepUntil(start, lease.plusMillis(300));
      primary.resume();
      long resumed = System.nanoTime();
      Lease got;
      try {
        got = acquiring.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(LockBackendException.class).hasMessageContaining("no answer");
        got = null;
      }
      if (got != null) {
        assertThat(got.isValid()).as("a lease is valid when acquire returns it").isTrue();
        got.close();
      }
      // the script ran as the server thawed; left alone its key would stay for the whole lease (2 s)
      assertNoLockKey(name, Duration.ofSeconds(1).minusNanos(System.nanoTime() - resumed));
      assertThat(client.lock(name).tryAcquire()).as("the lock is free").hasValueSatisfying(Lease::close);
    }
  }

  private static void assertNoLockKey(String name, Duration within) {
    Duration bound = within.compareTo(Duration.ofMillis(50)) < 0 ? Duration.ofMillis(50) : within;
    await("lock key of " + name + " gone").atMost(bound).pollInterval(Duration.ofMillis(20)).until(() -> {
      try (Resp r = primary.resp()) {
        return Long.valueOf(0).equals(r.call("EXISTS", "lockkit:{" + name + "}"));
      }
    });
  }

  private static void awaitReplicaOnline() {
    primary.awaitReplicasOnline(1);
  }

  /** Fault timing, not waiting for a condition: the server must stay frozen for this long. */
  private static void sleepUntil(long startNanos, Duration offset) throws InterruptedException {
    long left = startNanos + offset.toNanos() - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }
}
