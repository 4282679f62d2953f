package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockSettings;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Settings of one lock over its client's options ({@link LockSettings}): a lease time and renewal of its own,
 * locks of one name with different settings excluding each other, and the minimum hold, which the server keeps
 * after an early close, also when the holder's client is gone.
 */
public abstract class SettingsContract extends CohortingContract {
  /** A minimum hold long enough to tell from a release, short enough for the build. */
  private static final Duration MINIMUM = Duration.ofMillis(1000);
  /** How much earlier than the minimum another holder may get the lock: clocks of client and server differ. */
  private static final Duration CLOCK_ROOM = Duration.ofMillis(30);
  /** A minimum hold that a test waits out: short, for the build. */
  private static final Duration SHORT_HOLD = Duration.ofMillis(800);
  /**
   * A minimum hold that the tests of attempts that must miss it do not wait out (when they pass): long enough
   * that a first attempt is answered within it on a loaded machine, shorter than the command timeout (5 s).
   */
  private static final Duration HELD_ON = Duration.ofSeconds(2);
  /** A wait that runs out before any server can answer the first attempt. */
  private static final Duration SHORTER_THAN_A_ROUND_TRIP = Duration.ofNanos(1000);
  /** How much later than a minimum hold's end a waiter may get the lock, on two loaded cores. */
  private static final Duration LATE = Duration.ofSeconds(5);

  private static LockSettings minimumHold(Duration minimum) {
    return LockSettings.builder().minimumHold(minimum).build();
  }

  /** Catches: a lock's lease time ignored in favour of the client's (30 s here). */
  @Test
  void aLockWithItsOwnLeaseTimeRunsOutAtItsOwnTime() throws Exception {
    String name = name();
    LockClient client = client();
    DistributedLock short1 = client.lock(name, LockSettings.builder().leaseTime(SHORT_LEASE).withoutRenewal().build());
    long start = System.nanoTime();
    Lease lease = short1.acquire(PROMPTLY);
    await().atMost(PROMPTLY).until(() -> !lease.isValid());
    try (Lease next = client().lock(name).acquire(PROMPTLY)) {
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("taken by another client after the lock's lease")
          .isLessThan(Duration.ofSeconds(20));
      assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    }
  }

  /** Catches: a lock's renewal ignored when the client's is off. */
  @Test
  void aLockWithItsOwnRenewalOutlivesItsLeaseTimeOnAClientWithoutRenewal() throws Exception {
    String name = name();
    LockClient client = unrenewedClient();
    DistributedLock renewed = client.lock(name,
        LockSettings.builder().leaseTime(SHORT_LEASE).renewInterval(SHORT_LEASE.dividedBy(4)).build());
    try (Lease lease = renewed.acquire(PROMPTLY)) {
      long start = System.nanoTime();
      await().atMost(PROMPTLY).until(() -> System.nanoTime() - start > SHORT_LEASE.toNanos() * 3 / 2);
      assertThat(lease.isValid()).as("renewed past its lease time").isTrue();
      assertHeldElsewhere(client(), name);
    }
  }

  @Test
  void settingsThatDoNotFitAreRefusedNamingTheSetting() {
    LockClient client = client();
    assertThatThrownBy(() -> client.lock(name(), null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("settings");
    assertThatThrownBy(() -> client.lock(name(), LockSettings.builder().leaseTime(Duration.ofSeconds(1))
        .renewInterval(Duration.ofMillis(800)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewInterval");
    assertThatThrownBy(() -> LockSettings.builder().minimumHold(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumHold");
    assertThatThrownBy(() -> LockSettings.builder().leaseTime(Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTime");
    assertThatThrownBy(() -> client.lock("../x", LockSettings.none())).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Catches: locks of one name with different settings treated as different locks in one client (both held at
   * once), or re-entry across them queueing behind itself.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void locksOfOneNameWithDifferentSettingsExcludeEachOtherAndShareReentrancy() throws Exception {
    String name = name();
    LockClient client = client();
    DistributedLock plain = client.lock(name);
    DistributedLock own = client.lock(name, LockSettings.builder().leaseTime(Duration.ofSeconds(10)).build());
    Contention.Result result = Contention.run(List.of(plain, own), 2, 6, Duration.ofSeconds(30),
        Duration.ofSeconds(50));
    assertThat(result.failures()).as("failures of the contending threads").isEmpty();
    assertThat(result.history().overlaps()).as("overlapping critical sections").isEmpty();
    assertThat(result.maxOccupancy()).as("most holders inside at once").isEqualTo(1);
    assertThat(result.history().tokenRegressions()).as("tokens out of grant order").isEmpty();

    try (Lease outer = plain.acquire(PROMPTLY); Lease inner = own.acquire(PROMPTLY)) {
      assertThat(inner.fencingToken()).as("re-entered across settings").isEqualTo(outer.fencingToken());
    }
    assertThat(wasFree(client(), name)).isTrue();
  }

  /**
   * Catches: a minimum hold kept by a client thread (or not at all) instead of the server: the holder's close
   * must return at once, and the lock must stay taken until the minimum has passed even after the holder's
   * client is gone.
   */
  @Test
  void aLeaseClosedBeforeItsMinimumHoldKeepsTheLockUntilThenEvenIfItsClientDies() throws Exception {
    String name = name();
    LockClient holder = client();
    LockClient other = client();
    long start = System.nanoTime();
    Lease lease = holder.lock(name, minimumHold(MINIMUM)).acquire(PROMPTLY);
    long closing = System.nanoTime();
    lease.close();
    long closed = System.nanoTime();
    assertThat(Duration.ofNanos(closed - closing)).as("close returns without waiting out the minimum")
        .isLessThan(MINIMUM.dividedBy(2));
    crash(holder);
    if (System.nanoTime() - start < MINIMUM.toNanos() / 2) {
      assertHeldElsewhere(other, name);
    }
    try (Lease next = other.lock(name).acquire(PROMPTLY)) {
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("another client's acquisition after the minimum")
          .isGreaterThanOrEqualTo(MINIMUM.minus(CLOCK_ROOM));
      assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    }
  }

  /** Catches: a minimum hold that a local hand-off, or a re-entrant lease's close, goes around. */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void aMinimumHoldAlsoKeepsTheLockFromTheHoldersOwnThreadsAndCountsForAReentrantLease() throws Exception {
    String name = name();
    LockClient client = client();
    DistributedLock plain = client.lock(name);
    long start;
    CompletableFuture<Long> taken = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try (Lease next = plain.acquire(PROMPTLY.multipliedBy(2))) {
        taken.complete(System.nanoTime());
      } catch (Throwable t) {
        taken.completeExceptionally(t);
      }
    }, "settings-contract-waiter");
    try (Lease outer = plain.acquire(PROMPTLY)) {
      start = System.nanoTime();
      try (Lease inner = client.lock(name, minimumHold(MINIMUM)).acquire(PROMPTLY)) {
        assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
      }
      waiter.start();
      await().atMost(PROMPTLY).until(() -> waiter.getState() == Thread.State.WAITING
          || waiter.getState() == Thread.State.TIMED_WAITING);
    }
    try {
      assertThat(Duration.ofNanos(taken.get(PROMPTLY.toMillis() * 3, TimeUnit.MILLISECONDS) - start))
          .as("another thread of the holder's client got it after the minimum")
          .isGreaterThanOrEqualTo(MINIMUM.minus(CLOCK_ROOM));
    } finally {
      waiter.interrupt();
      waiter.join(PROMPTLY.toMillis());
    }
  }

  /**
   * Catches: a timed attempt of another client, started after the release within the minimum hold, that gets the
   * lock once the hold has passed although its own wait ended long before. Its wait is shorter than any round
   * trip, so it runs out before the first attempt is answered (which a positive wait still waits for); that
   * answer finds the lock kept, and the attempt must then end, empty, at once.
   */
  @Test
  void aTimedTryAcquireOfAnotherClientStartedAfterAReleaseWithinTheMinimumHoldMisses() throws Exception {
    String name = name();
    LockSettings settings = minimumHold(HELD_ON);
    client().lock(name, settings).tryAcquire().orElseThrow().close();
    long start = System.nanoTime();
    Optional<Lease> next = client().lock(name, settings).tryAcquire(SHORTER_THAN_A_ROUND_TRIP);
    assertMissedTheHold(next, start, "another client's tryAcquire(" + SHORTER_THAN_A_ROUND_TRIP + ")");
  }

  /** Catches: as above, from the client that held the lock (on another of its locks of that name). */
  @Test
  void aTimedTryAcquireOfTheHoldersClientStartedAfterAReleaseWithinTheMinimumHoldMisses() throws Exception {
    String name = name();
    LockClient client = client();
    LockSettings settings = minimumHold(HELD_ON);
    client.lock(name, settings).tryAcquire().orElseThrow().close();
    long start = System.nanoTime();
    Optional<Lease> next = client.lock(name, settings).tryAcquire(SHORTER_THAN_A_ROUND_TRIP);
    assertMissedTheHold(next, start, "the holder's client's tryAcquire(" + SHORTER_THAN_A_ROUND_TRIP + ")");
  }

  /** Catches: as above, for an asynchronous acquisition, which must time out. */
  @Test
  void anAsyncAcquireStartedAfterAReleaseWithinTheMinimumHoldTimesOut() throws Exception {
    String name = name();
    LockSettings settings = minimumHold(HELD_ON);
    client().lock(name, settings).tryAcquire().orElseThrow().close();
    long start = System.nanoTime();
    CompletableFuture<Lease> next = client().lock(name, settings).acquireAsync(SHORTER_THAN_A_ROUND_TRIP);
    Throwable failure = next.handle((lease, t) -> {
      if (lease != null) {
        lease.close();
      }
      return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }).get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
    long took = System.nanoTime() - start;
    assertThat(failure).as("the failure of acquireAsync(%s) after the release, within the minimum hold (null: it got "
        + "the lock, after %s)", SHORTER_THAN_A_ROUND_TRIP, Duration.ofNanos(took))
        .isInstanceOf(LockTimeoutException.class);
    assertThat(Duration.ofNanos(took)).as("acquireAsync(%s) timed out after", SHORTER_THAN_A_ROUND_TRIP)
        .isLessThan(TIMEOUT_GRACE);
  }

  /**
   * Catches: a blocking acquisition of another client, started after the release, that gets the lock before
   * the minimum hold has passed, or not soon after.
   */
  @Test
  void anAcquireStartedAfterAReleaseWithinTheMinimumHoldGetsTheLockOnlyOnceItHasPassed() throws Exception {
    String name = name();
    LockSettings settings = minimumHold(SHORT_HOLD);
    long start = System.nanoTime();
    Lease lease = client().lock(name, settings).acquire(PROMPTLY);
    long acquired = System.nanoTime();
    lease.close();
    try (Lease next = client().lock(name, settings).acquire(PROMPTLY)) {
      long now = System.nanoTime();
      assertThat(Duration.ofNanos(now - start)).as("another client's acquire after the release got the lock after")
          .isGreaterThanOrEqualTo(SHORT_HOLD.minus(CLOCK_ROOM));
      assertThat(Duration.ofNanos(now - acquired)).as("another client's acquire got the lock after the acquisition")
          .isLessThan(SHORT_HOLD.plus(LATE));
      assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    }
  }

  /**
   * Asserts that an attempt started at {@code start}, after a release within a minimum hold of
   * {@link #HELD_ON}, came back empty and soon; a lease it got is closed.
   */
  private static void assertMissedTheHold(Optional<Lease> next, long start, String what) {
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    next.ifPresent(Lease::close);
    assertThat(next).as("%s after the release, within the minimum hold (returned after %s)", what, took).isEmpty();
    assertThat(took).as("%s missed after", what).isLessThan(TIMEOUT_GRACE);
  }

  /** Catches: a minimum hold that delays a release after the minimum has passed. */
  @Test
  void aLeaseHeldPastItsMinimumHoldIsReleasedAtOnce() throws Exception {
    String name = name();
    Duration minimum = Duration.ofMillis(100);
    long start = System.nanoTime();
    try (Lease lease = client().lock(name, minimumHold(minimum)).acquire(PROMPTLY)) {
      await().atMost(PROMPTLY).until(() -> System.nanoTime() - start > minimum.toNanos() * 2);
      assertThat(lease.isValid()).isTrue();
    }
    Optional<Lease> next = client().lock(name).tryAcquire();
    assertThat(next).as("free as soon as released").isPresent();
    next.get().close();
  }
}
