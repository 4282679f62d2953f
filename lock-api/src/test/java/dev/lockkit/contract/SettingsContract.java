package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockSettings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
