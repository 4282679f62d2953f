package dev.lockkit.jmh;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One lock of one contender, shared by the benchmark's threads. A lambda gives the untimed acquire only; a
 * contender that also waits with a bound is made by {@link #of(LockHandle, Timed)}.
 */
@FunctionalInterface
public interface LockHandle {
  /**
   * Waits for the lock and returns what releases it.
   *
   * @return closing it releases the lock
   * @throws Exception whatever the contender's library throws
   */
  AutoCloseable acquire() throws Exception;

  /**
   * Waits at most {@code maxWait} for the lock, with the contender's own timed acquire (or, for a floor, retries
   * until the deadline). Unless a contender overrides it, throws {@link UnsupportedOperationException}.
   *
   * @param maxWait the longest wait, positive
   * @return closing it releases the lock; null if the lock stayed held by others for the whole wait
   * @throws Exception whatever the contender's library throws
   * @throws UnsupportedOperationException if this contender has no timed acquire
   */
  default @Nullable AutoCloseable tryAcquire(Duration maxWait) throws Exception {
    throw new UnsupportedOperationException(getClass().getName() + " has no timed acquire: make the handle with "
        + "LockHandle.of(untimed, timed)");
  }

  /** A timed acquire: {@link LockHandle#tryAcquire(Duration)} as a lambda. */
  @FunctionalInterface
  interface Timed {
    /**
     * Waits at most {@code maxWait} for the lock.
     *
     * @param maxWait the longest wait, positive
     * @return closing it releases the lock; null if the wait ran out
     * @throws Exception whatever the contender's library throws
     */
    @Nullable AutoCloseable tryAcquire(Duration maxWait) throws Exception;
  }

  /**
   * A handle with both acquires.
   *
   * @param untimed what {@link #acquire()} does
   * @param timed what {@link #tryAcquire(Duration)} does
   * @return the handle
   */
  static LockHandle of(LockHandle untimed, Timed timed) {
    return new LockHandle() {
      @Override
      public AutoCloseable acquire() throws Exception {
        return untimed.acquire();
      }

      @Override
      public @Nullable AutoCloseable tryAcquire(Duration maxWait) throws Exception {
        return timed.tryAcquire(maxWait);
      }
    };
  }
}
