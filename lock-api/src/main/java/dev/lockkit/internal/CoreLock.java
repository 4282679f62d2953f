package dev.lockkit.internal;

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
 * The state one client keeps for one lock name while it is in use: re-entrancy for blocking callers, the local
 * queue of {@link Cohort} when cohorting is on; the rest goes to {@link CoreLockClient}. Users reach it through
 * a {@link LockHandle}. It lives while pinned: by each operation in progress on the name and by each
 * {@link Tenure} holding it. When the last pin is dropped it is retired and leaves the client's map, so that
 * the state of a name no longer used is garbage; the next use makes a new one. Nothing is lost with it: no
 * thread holds or waits for the name then.
 */
final class CoreLock {
  private final CoreLockClient client;
  private final String name;
  /** The holding of the thread that acquired by a blocking call, for re-entrancy. */
  private final AtomicReference<@Nullable Tenure> threadHold = new AtomicReference<>();
  /** The cohort of the client's own terms, when they have cohorting on. */
  private final @Nullable Cohort cohort;
  // guarded by this
  private int pins;
  private boolean retired;
  /** Cohorts of locks with settings of their own, made on first use; equal terms share one. */
  private java.util.@Nullable Map<Terms, Cohort> otherCohorts;

  CoreLock(CoreLockClient client, String name) {
    this.client = client;
    this.name = name;
    Terms defaults = client.defaults();
    this.cohort = defaults.options().cohortingEnabled() ? new Cohort(client, this, defaults) : null;
  }

  CoreLockClient client() {
    return client;
  }

  /** Pins this state for an operation; false if it was retired (the caller looks the name up again). */
  synchronized boolean pin() {
    if (retired) {
      return false;
    }
    pins++;
    return true;
  }

  /**
   * Pins this state for a holding made while an operation's pin keeps it; a holding that outlives every
   * operation (won as its caller gave up, then released quietly) may find it retired, which is harmless.
   */
  synchronized void pinForHolding() {
    pins++;
  }

  /** Drops a pin; the last one retires this state and takes it out of the client's map. */
  void unpin() {
    synchronized (this) {
      if (--pins > 0 || retired) {
        return;
      }
      retired = true;
      // inside the monitor: a pin() that sees retired must find the map without this state afterwards
      client.retire(this);
    }
  }

  /** The cohort of the client's own terms; for tests. */
  @Nullable Cohort cohort() {
    return cohort;
  }

  /** The cohort acquisitions with these terms queue in, or null if they have cohorting off. */
  @Nullable Cohort cohort(Terms terms) {
    if (terms == client.defaults()) {
      return cohort;
    }
    if (!terms.options().cohortingEnabled()) {
      return null;
    }
    synchronized (this) {
      if (otherCohorts == null) {
        otherCohorts = new java.util.HashMap<>(2);
      }
      return otherCohorts.computeIfAbsent(terms, t -> new Cohort(client, this, t));
    }
  }

  String name() {
    return name;
  }

  Lease acquire(Terms terms) throws InterruptedException {
    Lease lease = blocking(-1, true, terms);
    return java.util.Objects.requireNonNull(lease);
  }

  Lease acquire(Duration maxWait, Terms terms) throws InterruptedException {
    Checks.positive(maxWait, "maxWait");
    Lease lease = blocking(Checks.toNanosSaturated(maxWait), true, terms);
    return java.util.Objects.requireNonNull(lease);
  }

  Optional<Lease> tryAcquire(Terms terms) {
    client.checkOpen();
    Lease reentered = reenter(terms);
    if (reentered != null) {
      return Optional.of(reentered);
    }
    // this thread waits for the outcome: a blocking driver may send the try on it (see CallerWaits)
    CompletableFuture<@Nullable Tenure> attempt =
        CallerWaits.during(() -> client.start(this, terms, false, -1, Thread.currentThread()));
    try {
      return Optional.ofNullable(claim(Futures.await(attempt, Long.MAX_VALUE)));
    } catch (ExecutionException e) {
      throw CoreLockClient.rethrow(e);
    } catch (TimeoutException e) {
      throw new AssertionError("an unbounded wait timed out", e);
    }
  }

  Optional<Lease> tryAcquire(Duration maxWait, Terms terms) throws InterruptedException {
    Checks.notNegative(maxWait, "maxWait");
    if (maxWait.isZero()) {
      return tryAcquire(terms);
    }
    try {
      return Optional.ofNullable(blocking(Checks.toNanosSaturated(maxWait), true, terms));
    } catch (LockTimeoutException e) {
      return Optional.empty();
    }
  }

  CompletableFuture<Lease> acquireAsync(Duration maxWait, Terms terms) {
    Checks.positive(maxWait, "maxWait");
    client.checkOpen();
    CompletableFuture<@Nullable Tenure> attempt =
        client.start(this, terms, true, Checks.toNanosSaturated(maxWait), null);
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

  boolean isHeldByCurrentThread() {
    Tenure hold = threadHold.get();
    return hold != null && hold.thread() == Thread.currentThread() && hold.isValid();
  }

  /** Blocks for an acquisition; {@code timeoutNanos < 0} waits forever. Null only for a non-waiting miss. */
  private @Nullable Lease blocking(long timeoutNanos, boolean waits, Terms terms) throws InterruptedException {
    client.checkOpen();
    Lease reentered = reenter(terms);
    if (reentered != null) {
      return reentered;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted before acquiring lock '" + name + "'");
    }
    // this thread waits for the outcome: a blocking driver may send the first try on it (see CallerWaits)
    CoreLockClient.Started started =
        CallerWaits.during(() -> client.started(this, terms, waits, timeoutNanos, Thread.currentThread()));
    CompletableFuture<@Nullable Tenure> attempt = started.tenure();
    try {
      return claim(attempt.get());
    } catch (InterruptedException e) {
      // leave nothing behind: the backend stops waiting; a hold that won the race is released here
      if (!attempt.cancel(false) && !attempt.isCompletedExceptionally()) {
        Tenure won = attempt.getNow(null);
        if (won != null) {
          won.releaseQuietly();
        }
      } else {
        started.waiting().awaitCleanUp();
      }
      throw e;
    } catch (ExecutionException e) {
      if (Futures.unwrap(e) instanceof LockTimeoutException) {
        started.waiting().awaitCleanUp(); // gave up: what the caller does next finds no trace of this wait
      }
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

  /** A re-entrant lease on the thread's holding, which keeps its lease time; a minimum hold of the terms counts. */
  private @Nullable Lease reenter(Terms terms) {
    Tenure hold = threadHold.get();
    if (hold != null && hold.thread() == Thread.currentThread() && hold.enter(terms.minimumHoldNanos())) {
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
    Cohort queue = tenure.hold().cohort();
    if (queue != null) {
      queue.release(tenure, quietly);
    } else if (quietly) {
      tenure.hold().releaseQuietly();
    } else {
      tenure.hold().releaseRemotely(tenure.keepLeftNanos());
    }
  }

  /** A hold of this lock was lost on the server. */
  void holdLost(Hold hold) {
    Cohort queue = hold.cohort();
    if (queue != null) {
      queue.holdLost(hold);
    }
  }
}
