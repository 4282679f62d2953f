package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Semantic 6 of DESIGN.md and the timing rules: waking, timeouts, interruption, asynchronous acquisition. */
public abstract class WaitingContract extends LeaseContract {
  /** A timed wait may end this much after its timeout on a loaded 2-core machine, and no later. */
  static final Duration TIMEOUT_GRACE = Duration.ofSeconds(3);

  @Test
  void aWaiterIsWokenByTheReleaseLongBeforeTheLeaseWouldRunOut() throws Exception {
    String name = name();
    LockClient holder = client(options().leaseTime(Duration.ofSeconds(60)).build());
    LockClient waiter = client();
    Lease held = holder.lock(name).acquire(PROMPTLY);
    AtomicReference<Thread> waiting = new AtomicReference<>();
    CompletableFuture<Long> acquiredAt = CompletableFuture.supplyAsync(() -> {
      waiting.set(Thread.currentThread());
      try (Lease lease = waiter.lock(name).acquire(Duration.ofSeconds(50))) {
        return System.nanoTime();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    awaitBlocked(waiting);
    long releasedAt = System.nanoTime();
    held.close();
    long wokenAfter = acquiredAt.get(30, TimeUnit.SECONDS) - releasedAt;
    // well under every backend's fallback re-check (ZooKeeper re-reads after 5 s, Redis at the holder's
    // lease end), so that a lost wake-up fails this test instead of passing on the fallback
    assertThat(Duration.ofNanos(wokenAfter)).as("wake-up after release").isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aTimedAcquireOfAHeldLockGivesUpAfterItsTimeoutAndLeavesNothing() throws Exception {
    String name = name();
    LockClient holder = client();
    LockClient waiter = client();
    Duration timeout = Duration.ofMillis(700);
    Lease held = holder.lock(name).acquire(PROMPTLY);

    long start = System.nanoTime();
    assertThatThrownBy(() -> waiter.lock(name).acquire(timeout))
        .isInstanceOf(LockTimeoutException.class).hasMessageContaining(name);
    assertWithinTimeoutBound(start, timeout);

    start = System.nanoTime();
    assertThat(waiter.lock(name).tryAcquire(timeout)).isEmpty();
    assertWithinTimeoutBound(start, timeout);

    held.close();
    assertThat(wasFree(client(), name)).as("the timed-out waiters left nothing behind").isTrue();
  }

  /**
   * Catches: a wait shorter than a round trip on a held lock, answered "held" after the wait ran out, went on
   * waiting until the command timeout (5 s) instead of timing out at that answer.
   */
  @Test
  void aWaitShorterThanARoundTripOnAHeldLockEndsWithTheFirstAnswer() throws Exception {
    String name = name();
    Lease held = client().lock(name).acquire(PROMPTLY);
    Duration wait = Duration.ofNanos(1000);
    long start = System.nanoTime();
    assertThat(client().lock(name).tryAcquire(wait)).as("tryAcquire(%s) of a held lock", wait).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("tryAcquire(%s) returned after", wait)
        .isLessThan(TIMEOUT_GRACE);
    CompletableFuture<Lease> attempt = client().lock(name).acquireAsync(wait);
    assertThatThrownBy(() -> attempt.get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("both attempts ended after").isLessThan(TIMEOUT_GRACE);
    held.close();
  }

  @Test
  void anAsyncAcquireOfAHeldLockTimesOut() throws Exception {
    String name = name();
    Lease held = client().lock(name).acquire(PROMPTLY);
    long start = System.nanoTime();
    CompletableFuture<Lease> attempt = client().lock(name).acquireAsync(Duration.ofMillis(700));
    assertThatThrownBy(() -> attempt.get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockTimeoutException.class);
    assertWithinTimeoutBound(start, Duration.ofMillis(700));
    held.close();
    assertThat(wasFree(client(), name)).isTrue();
  }

  @Test
  void anInterruptedAcquireThrowsAndLeavesNothingBehind() throws Exception {
    String name = name();
    LockClient holder = client();
    LockClient waiter = client();
    Lease held = holder.lock(name).acquire(PROMPTLY);
    AtomicReference<Thread> waiting = new AtomicReference<>();
    CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
      waiting.set(Thread.currentThread());
      try (Lease lease = waiter.lock(name).acquire(Duration.ofSeconds(60))) {
        return null;
      } catch (InterruptedException | RuntimeException e) {
        return e;
      }
    });
    awaitBlocked(waiting);
    waiting.get().interrupt();
    assertThat(outcome.get(20, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    held.close();
    LockClient third = client();
    await().atMost(PROMPTLY).until(() -> wasFree(third, name));
  }

  @Test
  void anAlreadyInterruptedThreadAcquiresNothing() throws Exception {
    String name = name();
    LockClient a = client();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> a.lock(name).acquire(PROMPTLY)).isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted();
    }
    assertThat(a.lock(name).isHeldByCurrentThread()).isFalse();
    assertThat(wasFree(client(), name)).isTrue();
  }

  @Test
  void anAsyncLeaseIsNotThreadBound() throws Exception {
    String name = name();
    LockClient a = client();
    Lease lease = a.lock(name).acquireAsync(PROMPTLY).get(20, TimeUnit.SECONDS);
    assertThat(lease.isValid()).isTrue();
    assertThat(a.lock(name).isHeldByCurrentThread()).isFalse();
    assertHeldElsewhere(client(), name);
    CompletableFuture.runAsync(lease::close).get(20, TimeUnit.SECONDS);
    assertThat(wasFree(client(), name)).isTrue();
  }

  @Test
  void cancellingAPendingAsyncAcquireLeavesNothingBehind() throws Exception {
    String name = name();
    Lease held = client().lock(name).acquire(PROMPTLY);
    CompletableFuture<Lease> attempt = client().lock(name).acquireAsync(Duration.ofSeconds(60));
    assertThat(attempt.cancel(true)).isTrue();
    held.close();
    LockClient third = client();
    await().atMost(PROMPTLY).until(() -> wasFree(third, name));
  }

  @Test
  void waitersTakeTurnsUntilAllHaveHeldTheLock() throws Exception {
    String name = name();
    LockClient a = client();
    LockClient b = client();
    Lease held = a.lock(name).acquire(PROMPTLY);
    CompletableFuture<?>[] waiters = new CompletableFuture<?>[6];
    History history = new History();
    for (int i = 0; i < waiters.length; i++) {
      LockClient c = i % 2 == 0 ? a : b;
      String holder = "waiter" + i;
      waiters[i] = c.lock(name).acquireAsync(Duration.ofSeconds(60)).thenAccept(lease -> {
        long start = System.nanoTime();
        Thread.yield();
        history.record(holder, lease.fencingToken(), start, System.nanoTime());
        lease.close();
      });
    }
    held.close();
    CompletableFuture.allOf(waiters).get(60, TimeUnit.SECONDS);
    assertThat(history.size()).isEqualTo(waiters.length);
    assertThat(history.overlaps()).isEmpty();
    assertThat(history.tokenRegressions()).isEmpty();
  }

  private static void assertWithinTimeoutBound(long startNanos, Duration timeout) {
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    assertThat(took).as("time to give up").isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plus(TIMEOUT_GRACE));
  }

  /** Waits until the thread is parked inside an acquisition, so that the test acts on a real waiter. */
  static void awaitBlocked(AtomicReference<Thread> thread) {
    await().atMost(PROMPTLY).until(() -> {
      Thread t = thread.get();
      return t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
    });
    Optional.ofNullable(thread.get()).orElseThrow();
  }
}
