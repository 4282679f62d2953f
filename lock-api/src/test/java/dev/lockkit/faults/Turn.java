package dev.lockkit.faults;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockLostException;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One turn of a {@link Workload} thread, as its class comment describes, recorded as an {@link Attempt}. */
final class Turn {
  private static final Logger log = LoggerFactory.getLogger(Turn.class);

  private Turn() {}

  /**
   * Takes the lock, runs the critical section, releases. If interrupted inside, the attempt is recorded
   * through the link before the interruption is passed on.
   */
  static Attempt take(DistributedLock lock, String id, String holder, Duration maxWait, long closeBound,
      Duration work, ClientStall stall, WorkerLink link, BooleanSupplier running) throws InterruptedException {
    long acquireBound = maxWait.toNanos();
    long a0 = System.nanoTime();
    Lease lease = null;
    Attempt.Acquired acquired;
    try {
      lease = lock.acquire(maxWait);
      acquired = Attempt.Acquired.YES;
    } catch (LockTimeoutException e) {
      acquired = Attempt.Acquired.TIMEOUT;
    } catch (LockBackendException e) {
      log.debug("Acquisition by {} failed", holder, e);
      acquired = Attempt.Acquired.BACKEND_ERROR;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      acquired = Attempt.Acquired.STOPPED;
    } catch (IllegalStateException e) {
      // the client closed under a run that was stopping is the end of the run, not an error
      acquired = running.getAsBoolean() ? Attempt.Acquired.ERROR : Attempt.Acquired.STOPPED;
      if (running.getAsBoolean()) {
        log.warn("Acquisition by {} failed unexpectedly", holder, e);
      }
    } catch (RuntimeException e) {
      log.warn("Acquisition by {} failed unexpectedly", holder, e);
      acquired = Attempt.Acquired.ERROR;
    }
    long a1 = System.nanoTime();
    if (lease == null) {
      return new Attempt(id, holder, a0, a1, acquireBound, acquired, 0, Attempt.NONE, Attempt.NONE,
          Attempt.NONE, Attempt.NONE, Attempt.NONE, closeBound, Attempt.Closed.NOT_HELD);
    }
    AtomicLong listenerAt = new AtomicLong(Attempt.NONE);
    lease.onLost(e -> listenerAt.compareAndSet(Attempt.NONE, System.nanoTime()));
    long token = lease.fencingToken();
    long validAt = Attempt.NONE;
    long invalidAt = Attempt.NONE;
    InterruptedException interrupted = null;
    long v0 = System.nanoTime();
    if (lease.isValid()) {
      validAt = v0;
      try {
        invalidAt = section(lease, id, token, work, stall, link);
      } catch (InterruptedException e) {
        interrupted = e;
      }
    } else {
      invalidAt = v0;
    }
    long c0 = System.nanoTime();
    Attempt.Closed closed = close(lease, holder);
    long c1 = System.nanoTime();
    Attempt attempt = new Attempt(id, holder, a0, a1, acquireBound, acquired, token, validAt, invalidAt,
        listenerAt.get(), c0, c1, closeBound, closed);
    if (interrupted != null) {
      link.record(attempt);
      throw interrupted;
    }
    return attempt;
  }

  /** The critical section; returns when the holder first saw its lease invalid, or NONE. */
  private static long section(Lease lease, String id, long token, Duration work, ClientStall stall,
      WorkerLink link) throws InterruptedException {
    long value = link.read(id, token);
    long spinUntil = System.nanoTime() + work.toNanos();
    do {
      Thread.onSpinWait();
    } while (System.nanoTime() - spinUntil < 0);
    long v1 = System.nanoTime();
    if (!lease.isValid()) {
      return v1; // a careful holder does not write once it knows it may not hold the lock
    }
    stall.checkpoint(true); // a freeze here is the classic hazard: checked, then paused, then writes
    link.write(id, token, value + 1);
    long v2 = System.nanoTime();
    return lease.isValid() ? Attempt.NONE : v2;
  }

  private static Attempt.Closed close(Lease lease, String holder) {
    try {
      lease.close();
      return Attempt.Closed.OK;
    } catch (LockLostException e) {
      return Attempt.Closed.LOST;
    } catch (LockBackendException e) {
      log.debug("Release by {} failed", holder, e);
      return Attempt.Closed.BACKEND_ERROR;
    } catch (RuntimeException e) {
      log.warn("Release by {} failed unexpectedly", holder, e);
      return Attempt.Closed.ERROR;
    }
  }
}
