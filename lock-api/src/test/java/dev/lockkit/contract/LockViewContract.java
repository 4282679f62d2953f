package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockView;
import dev.lockkit.ReleaseOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The API's other ways in: a {@link DistributedLock} as a {@code java.util.concurrent.locks.Lock}
 * ({@link LockView}), thread-bound and re-entrant like a {@code ReentrantLock}, and {@link Lease#release()},
 * which tells how a lease ended instead of throwing.
 */
public abstract class LockViewContract extends SettingsContract {

  @Test
  void aLockViewExcludesOtherClientsAndCarriesTheLease() throws Exception {
    String name = name();
    LockView mine = client().lock(name).asLock();
    LockView theirs = client().lock(name).asLock();
    mine.lock();
    try {
      assertThat(mine.isHeldByCurrentThread()).isTrue();
      assertThat(mine.lease()).hasValueSatisfying(l -> assertThat(l.fencingToken()).isPositive());
      assertThat(theirs.tryLock()).as("another client's view while held").isFalse();
      assertThat(theirs.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();
    } finally {
      mine.unlock();
    }
    assertThat(mine.isHeldByCurrentThread()).isFalse();
    assertThat(mine.lease()).isEmpty();
    assertThat(theirs.tryLock(0, TimeUnit.SECONDS)).as("free once unlocked").isTrue();
    theirs.unlock();
  }

  @Test
  void aLockViewIsReentrantAndReleasedByTheLastUnlock() throws Exception {
    String name = name();
    LockView view = client().lock(name).asLock();
    LockClient other = client();
    view.lock();
    assertThat(view.tryLock()).as("re-entered at once").isTrue();
    view.lockInterruptibly();
    assertThat(view.getHoldCount()).isEqualTo(3);
    view.unlock();
    view.unlock();
    assertThat(view.isHeldByCurrentThread()).isTrue();
    assertHeldElsewhere(other, name);
    view.unlock();
    assertThat(view.getHoldCount()).isZero();
    assertThat(wasFree(other, name)).isTrue();
  }

  @Test
  void onlyTheLockingThreadMayUnlock() throws Exception {
    String name = name();
    LockView view = client().lock(name).asLock();
    assertThatThrownBy(view::unlock).isInstanceOf(IllegalMonitorStateException.class).hasMessageContaining(name);
    view.lock();
    try {
      AtomicReference<Throwable> refused = new AtomicReference<>();
      Thread stranger = new Thread(() -> {
        try {
          view.unlock();
        } catch (Throwable t) {
          refused.set(t);
        }
      });
      stranger.start();
      stranger.join(PROMPTLY.toMillis());
      assertThat(refused.get()).isInstanceOf(IllegalMonitorStateException.class);
      assertHeldElsewhere(client(), name);
    } finally {
      view.unlock();
    }
    assertThatThrownBy(view::newCondition).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void lockWaitsThroughAnInterruptAndKeepsItWhileLockInterruptiblyGivesUp() throws Exception {
    String name = name();
    LockClient holderClient = client();
    Lease held = holderClient.lock(name).acquire(PROMPTLY);
    LockView view = client().lock(name).asLock();

    CompletableFuture<Boolean> interruptedAfterLock = new CompletableFuture<>();
    CountDownLatch unlockNow = new CountDownLatch(1);
    Thread waiter = new Thread(() -> {
      try {
        view.lock();
        interruptedAfterLock.complete(Thread.currentThread().isInterrupted());
        Thread.interrupted();
        unlockNow.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
        view.unlock();
      } catch (Throwable t) {
        interruptedAfterLock.completeExceptionally(t);
      }
    });
    waiter.start();
    await("waiter waiting").atMost(PROMPTLY).until(() -> waiter.getState() != Thread.State.RUNNABLE);
    waiter.interrupt();
    held.close();
    assertThat(interruptedAfterLock.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS))
        .as("lock() acquired and kept the interrupt").isTrue();
    unlockNow.countDown();
    waiter.join(PROMPTLY.toMillis());

    Lease again = holderClient.lock(name).acquire(PROMPTLY);
    AtomicReference<Throwable> gaveUp = new AtomicReference<>();
    AtomicBoolean heldAfter = new AtomicBoolean(true);
    Thread impatient = new Thread(() -> {
      try {
        view.lockInterruptibly();
      } catch (Throwable t) {
        gaveUp.set(t);
      }
      heldAfter.set(view.getHoldCount() > 0);
    });
    impatient.start();
    await("impatient waiting").atMost(PROMPTLY).until(() -> impatient.getState() != Thread.State.RUNNABLE);
    impatient.interrupt();
    impatient.join(PROMPTLY.toMillis());
    assertThat(gaveUp.get()).isInstanceOf(InterruptedException.class);
    assertThat(heldAfter.get()).isFalse();
    again.close();
    assertThat(wasFree(client(), name)).isTrue();
  }

  @Test
  void aLostLockViewIsNotHeldAndItsUnlockThrows() throws Exception {
    LockView view = unrenewedClient().lock(name()).asLock();
    view.lock();
    Lease lease = view.lease().orElseThrow();
    await().atMost(PROMPTLY.plus(SHORT_LEASE)).until(() -> !lease.isValid()); // polled on another thread
    assertThat(view.isHeldByCurrentThread()).isFalse();
    assertThat(view.getHoldCount()).isEqualTo(1);
    assertThatThrownBy(view::unlock).isInstanceOf(LockLostException.class);
    assertThat(view.getHoldCount()).isZero();
  }

  @Test
  void releaseTellsHowALeaseEndedWithoutThrowing() throws Exception {
    String name = name();
    LockClient client = client();
    Lease outer = client.lock(name).acquire(PROMPTLY);
    Lease inner = client.lock(name).acquire(PROMPTLY);
    assertThat(inner.release()).as("a re-entrant lease").isEqualTo(ReleaseOutcome.RELEASED);
    assertHeldElsewhere(client(), name);
    assertThat(outer.release()).isEqualTo(ReleaseOutcome.RELEASED);
    assertThat(outer.release()).as("a second call").isEqualTo(ReleaseOutcome.RELEASED);
    assertThat(wasFree(client(), name)).isTrue();

    Lease lost = unrenewedClient().lock(name).acquire(PROMPTLY);
    await().atMost(PROMPTLY.plus(SHORT_LEASE)).until(() -> !lost.isValid());
    assertThat(lost.release()).isEqualTo(ReleaseOutcome.LOST);
    assertThat(lost.release()).isEqualTo(ReleaseOutcome.RELEASED);
    lost.close(); // after release(), close() has nothing left to do
  }

  @Test
  void aTimedTryLockWaitsForARelease() throws Exception {
    String name = name();
    Lease held = client().lock(name).acquire(PROMPTLY);
    LockView view = client().lock(name).asLock();
    CompletableFuture<Boolean> got = CompletableFuture.supplyAsync(() -> {
      try {
        boolean locked = view.tryLock(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
        if (locked) {
          view.unlock();
        }
        return locked;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    held.close();
    assertThat(got.get(PROMPTLY.plus(Duration.ofSeconds(5)).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
  }
}
