package dev.lockkit.internal;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A named lock of one client: re-entrancy for blocking callers, the local queue of {@link Cohort} when
 * cohorting is on, the rest goes to {@link CoreLockClient}.
 */
final class CoreLock implements DistributedLock {
  private final CoreLockClient client;
  private final String name;
  /** The holding of the thread that acquired by a blocking call, for re-entrancy. */
  private final AtomicReference<@Nullable Tenure> threadHold = new AtomicReference<>();
  private final @Nullable Cohort cohort;

  CoreLock(CoreLockClient client, String name) {
    this.client = client;
    this.name = name;
    this.cohort = client.options().cohortingEnabled() ? new Cohort(client, this) : null;
  }

  CoreLockClient client() {
    return client;
  }

  @Nullable Cohort cohort() {
    return cohort;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Lease acquire() throws InterruptedException {
    Lease lease = blocking(-1, true);
    return java.util.Objects.requireNonNull(lease);
  }

  @Override
  public Lease acquire(Duration maxWait) throws InterruptedException {
    Checks.positive(maxWait, "maxWait");
    Lease lease = blocking(Checks.toNanosSaturated(maxWait), true);
    return java.util.Objects.requireNonNull(lease);
  }

  @Override
  public Optional<Lease> tryAcquire() {
    client.checkOpen();
    Lease reentered = reenter();
    if (reentered != null) {
      return Optional.of(reentered);
    }
    CompletableFuture<@Nullable Tenure> attempt = client.start(this, false, -1, Thread.currentThread());
    try {
      return Optional.ofNullable(claim(Futures.await(attempt, Long.MAX_VALUE)));
    } catch (ExecutionException e) {
      throw CoreLockClient.rethrow(e);
    } catch (TimeoutException e) {
      throw new AssertionError("an unbounded wait timed out", e);
    }
  }

  @Override
  public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
    Checks.notNegative(maxWait, "maxWait");
    if (maxWait.isZero()) {
      return tryAcquire();
    }
    try {
      return Optional.ofNullable(blocking(Checks.toNanosSaturated(maxWait), true));
    } catch (LockTimeoutException e) {
      return Optional.empty();
    }
  }

  @Override
  public CompletableFuture<Lease> acquireAsync(Duration maxWait) {
    Checks.positive(maxWait, "maxWait");
    client.checkOpen();
    CompletableFuture<@Nullable Tenure> attempt = client.start(this, true, Checks.toNanosSaturated(maxWait), null);
    // Complete on a thread that may block (the default async pool), never on the backend's I/O thread nor
    // the client's timer, also for failures: a caller's continuation that closes the lease would otherwise
    // wait for a reply that thread must read, or delay renewals.
    CompletableFuture<Lease> result = new CompletableFuture<>();
    attempt.whenCompleteAsync((hold, failure) -> {
      if (failure != null) {
        result.completeExceptionally(Futures.unwrap(failure));
        return;
      }
      Tenure won = java.util.Objects.requireNonNull(hold);
      if (!result.complete(new LeaseView(won))) {
        won.releaseQuietly(); // the caller cancelled as the lock was won
      }
    });
    // cancelling what the caller sees cancels the attempt; a hold won meanwhile is released by start()
    result.whenComplete((lease, failure) -> {
      if (result.isCancelled()) {
        attempt.cancel(false);
      }
    });
    return result;
  }

  @Override
  public boolean isHeldByCurrentThread() {
    Tenure hold = threadHold.get();
    return hold != null && hold.thread() == Thread.currentThread() && hold.isValid();
  }

  /** Blocks for an acquisition; {@code timeoutNanos < 0} waits forever. Null only for a non-waiting miss. */
  private @Nullable Lease blocking(long timeoutNanos, boolean waits) throws InterruptedException {
    client.checkOpen();
    Lease reentered = reenter();
    if (reentered != null) {
      return reentered;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted before acquiring lock '" + name + "'");
    }
    CompletableFuture<@Nullable Tenure> attempt = client.start(this, waits, timeoutNanos, Thread.currentThread());
    try {
      return claim(attempt.get());
    } catch (InterruptedException e) {
      // leave nothing behind: the backend stops waiting; a hold that won the race is released here
      if (!attempt.cancel(false) && !attempt.isCompletedExceptionally()) {
        Tenure won = attempt.getNow(null);
        if (won != null) {
          won.releaseQuietly();
        }
      }
      throw e;
    } catch (ExecutionException e) {
      throw CoreLockClient.rethrow(e);
    }
  }

  private @Nullable Lease claim(@Nullable Tenure hold) {
    if (hold == null) {
      return null;
    }
    threadHold.set(hold);
    return new LeaseView(hold);
  }

  private @Nullable Lease reenter() {
    Tenure hold = threadHold.get();
    if (hold != null && hold.thread() == Thread.currentThread() && hold.enter()) {
      return new LeaseView(hold);
    }
    return null;
  }

  /** Forgets the thread's holding once it is released or lost. */
  void forget(Tenure tenure) {
    threadHold.compareAndSet(tenure, null);
  }

  /** The last lease of {@code tenure} was closed: pass the lock on locally or release it on the server. */
  void released(Tenure tenure, boolean quietly) {
    if (cohort != null) {
      cohort.release(tenure, quietly);
    } else if (quietly) {
      tenure.hold().releaseQuietly();
    } else {
      tenure.hold().releaseRemotely();
    }
  }

  /** A hold of this lock was lost on the server. */
  void holdLost(Hold hold) {
    if (cohort != null) {
      cohort.holdLost(hold);
    }
  }
}
