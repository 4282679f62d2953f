package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.contract.Workers;
import dev.lockkit.contract.Workers.Taken;
import dev.lockkit.contract.Workers.Worker;
import dev.lockkit.faults.TcpProxy;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A release passes the lock straight to a waiter of another client that is announced on the server: the waiter
 * holds it when the release's message reaches it, without asking the server again, so a hand-off between
 * processes costs one server visit fewer than a release that frees the lock for whoever asks first. What that
 * costs when the waiter cannot take the lock up is bounded by the grant's short lease, not the waiter's lease time.
 */
class GrantOnReleaseTest {
  /** Holds whatever the waiting client sends from the release on: a waiter that must ask again waits this long. */
  private static final Duration SLOW_WAY_UP = Duration.ofMillis(800);

  private final Workers workers = new Workers();

  @AfterEach
  void stopWorkers() {
    workers.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aWaiterOfAnotherClientHoldsTheLockOnTheReleasesMessageWithoutAskingAgain(String driver) throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "grant/" + driver + "/" + UUID.randomUUID();
    try (TcpProxy way = TcpProxy.start(SharedServers.standalone().port());
        LockClient a = Locks.connect(uri);
        LockClient b = Locks.connect("redis://127.0.0.1:" + way.port() + "?driver=" + driver);
        Resp resp = SharedServers.standalone().resp()) {
      Lease first = a.lock(name).acquire();
      Worker<Taken> waiter = workers.taking(b.lock(name), Duration.ofSeconds(30));
      awaitAnnouncedAndListening(resp, name, waiter.thread());

      way.delayTowardServer(SLOW_WAY_UP); // from now on, a waiter that asks again is slow to be heard
      long releasedAt = System.nanoTime();
      first.close();

      Taken got = waiter.get(Duration.ofSeconds(30));
      way.pass();
      assertThat(Duration.ofNanos(got.atNanos() - releasedAt)).as("from the release to the other client's hold")
          .isLessThan(SLOW_WAY_UP.dividedBy(2));
      assertThat(got.fencingToken()).as("the granted lease's fencing token").isGreaterThan(first.fencingToken());
      // the grant was let go by the waiter's close: the lock is free
      assertThat(a.lock(name).tryAcquire()).hasValueSatisfying(Lease::close);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aGrantToAWaiterThatNeverHearsOfItHoldsTheLockBackOnlyForTheGrantsShortLease(String driver)
      throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "grant-lost/" + driver + "/" + UUID.randomUUID();
    try (TcpProxy cutOff = TcpProxy.start(SharedServers.standalone().port());
        LockClient a = Locks.connect(uri);
        LockClient c = Locks.connect(uri);
        LockClient b = Locks.connect("redis://127.0.0.1:" + cutOff.port() + "?driver=" + driver,
            LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build());
        Resp resp = SharedServers.standalone().resp()) {
      Lease first = a.lock(name).acquire();
      Worker<Boolean> waiter = workers.started(() -> {
        try {
          b.lock(name).acquire(Duration.ofSeconds(30)).close();
          return true;
        } catch (LockException expected) {
          return false; // cut off from the server
        }
      });
      awaitAnnouncedAndListening(resp, name, waiter.thread());
      cutOff.blackhole(); // the waiter is announced, and never hears of the grant

      long releasedAt = System.nanoTime();
      first.close();
      try (Lease next = c.lock(name).acquire(Duration.ofSeconds(40))) {
        // the grant's lease (2 s) plus the next waiter's re-check and its round trips on a busy machine; the
        // cut-off waiter's own lease time (30 s) would fail this
        assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).isLessThan(Duration.ofSeconds(8));
        assertThat(next.fencingToken()).isGreaterThan(first.fencingToken());
      }
      b.close();
      cutOff.pass();
      waiter.get(Duration.ofSeconds(30));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aWaiterWithoutRenewalGetsItsWholeLeaseTimeNotAGrantsShortLease(String driver) throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "grant-no-renewal/" + driver + "/" + UUID.randomUUID();
    try (LockClient a = Locks.connect(uri);
        LockClient b = Locks.connect(uri, LockOptions.builder().leaseTime(Duration.ofSeconds(20)).withoutRenewal()
            .build());
        Resp resp = SharedServers.standalone().resp()) {
      Lease lease = handedOver(a, b, resp, name).get(Duration.ofSeconds(30));
      try {
        // past a grant's lease (2 s): a lease nobody renews must last its own lease time
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(lease::isValid);
        long pttl = ((Number) resp.call("PTTL", LockOptions.defaults().namespace() + ":{" + name + "}")).longValue();
        assertThat(pttl).as("the lock key's TTL on the server, ms").isGreaterThan(10_000);
      } finally {
        lease.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aWaiterHandedTheLockHoldsItForItsOwnLeaseTimeNotTheGrantsShortLease(String driver) throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "grant-renewed/" + driver + "/" + UUID.randomUUID();
    try (LockClient a = Locks.connect(uri);
        LockClient b = Locks.connect(uri);
        Resp resp = SharedServers.standalone().resp()) {
      Worker<Lease> taken = handedOver(a, b, resp, name);
      String lock = LockOptions.defaults().namespace() + ":{" + name + "}";
      try (Lease lease = taken.get(Duration.ofSeconds(30))) {
        // the grant's lease is 2 s; the client renews it to the lease time (30 s) within about a second
        await().atMost(Duration.ofSeconds(10))
            .until(() -> ((Number) resp.call("PTTL", lock)).longValue() > 20_000);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(lease::isValid);
        assertThat(resp.call("GET", lock)).as("still the waiter's lock").isNotNull();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aTimedAcquireThatGaveUpLeavesNothingTheNextReleaseCouldHandTheLockTo(String driver) throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    try (LockClient a = Locks.connect(uri);
        LockClient b = Locks.connect(uri);
        LockClient c = Locks.connect(uri)) {
      for (int i = 0; i < 20; i++) {
        String name = "grant-given-up/" + driver + "/" + UUID.randomUUID();
        Lease held = a.lock(name).acquire();
        // announced as a waiter by its first try, then gives up
        assertThat(b.lock(name).tryAcquire(Duration.ofMillis(50))).isEmpty();
        held.close();
        assertThat(c.lock(name).tryAcquire()).as("round %d: free once released", i).hasValueSatisfying(Lease::close);
      }
    }
  }

  /**
   * {@code a} takes the lock, a thread of {@code b} waits for it until announced and listening, and {@code a}
   * releases it: the waiting thread's lease, which the caller closes.
   */
  private Worker<Lease> handedOver(LockClient a, LockClient b, Resp resp, String name)
      throws InterruptedException {
    Lease first = a.lock(name).acquire();
    Worker<Lease> waiter = workers.started(() -> b.lock(name).acquire(Duration.ofSeconds(30)));
    awaitAnnouncedAndListening(resp, name, waiter.thread());
    first.close();
    return waiter;
  }

  /** Waits until the waiter's first try announced it, it listens for releases, and its thread waits. */
  private static void awaitAnnouncedAndListening(Resp resp, String name, Thread waiter) {
    String lock = LockOptions.defaults().namespace() + ":{" + name + "}";
    await().atMost(Duration.ofSeconds(20)).until(() -> ((Number) resp.call("HLEN", lock + ":waiters")).longValue() >= 1
        && subscribers(resp, lock + ":released") >= 1 && waiter.getState() == Thread.State.WAITING);
  }

  private static long subscribers(Resp resp, String channel) {
    List<?> reply = (List<?>) resp.call("PUBSUB", "NUMSUB", channel);
    return ((Number) reply.get(1)).longValue();
  }
}
