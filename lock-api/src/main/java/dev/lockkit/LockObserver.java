package dev.lockkit;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Hears what a {@link LockClient} does with its locks, for metrics and traces: set one with
 * {@link LockOptions.Builder#observer(LockObserver)}. Every method does nothing by default, so an observer
 * implements only what it needs. {@code lock-micrometer}'s {@code LockObservations} is one, over Micrometer.
 *
 * <p>What is reported, per lock of the client:
 *
 * <ul>
 *   <li>each acquisition ({@link DistributedLock#acquire()}, {@code tryAcquire}, {@code acquireAsync}) once
 *       when it starts and once when it ends, with its {@link AcquisitionOutcome}; re-entering a lock the
 *       thread holds is no acquisition and is not reported;
 *   <li>each holding once when it starts and once when it ends ({@link LeaseEnd}), with how long it was held;
 *       re-entrant leases share one holding, and with cohorting each local holder has a holding of its own;
 *   <li>each loss ({@link LossCause}), before the holding it ends is reported ended;
 *   <li>each renewal that failed (no answer, or an error; a renewal the server refuses is a loss);
 *   <li>each local hand-off under cohorting: the lock passed to another thread of the client without a round
 *       trip to release and acquire it.
 * </ul>
 *
 * <p>Every {@code acquisitionStarted} is followed by exactly one {@code acquisitionEnded}, and every
 * {@code leaseStarted} by exactly one {@code leaseEnded} (also when the client is closed, which ends its
 * holdings as lost), so that an observer can keep gauges of acquisitions in progress and holdings by counting.
 * A client that crashes ({@link dev.lockkit.spi.LockClients#crash}, for tests) ends nothing.
 *
 * <p>Methods are called on the client's threads and the caller's, concurrently, some of them while lockkit
 * holds its own monitors: an observer must be thread-safe and quick, must not block, and must not call the
 * client. An exception thrown by an observer is logged and ignored; it never changes the lock operation.
 * Without an observer the client calls none of this and reads no clock for it.
 */
public interface LockObserver {

  /** How an acquisition ended. */
  enum AcquisitionOutcome {
    /** The caller got a lease. */
    ACQUIRED,
    /**
     * The lock stayed held by another owner for the whole wait; for {@link DistributedLock#tryAcquire()},
     * which does not wait, the lock was found held.
     */
    TIMEOUT,
    /** The waiting thread was interrupted. */
    INTERRUPTED,
    /** The caller cancelled the future of {@link DistributedLock#acquireAsync}. */
    CANCELLED,
    /** The acquisition failed: the server failed or did not answer in time, or the client was closed. */
    ERROR
  }

  /** How a holding ended. */
  enum LeaseEnd {
    /** The holder closed its last lease (or the lock passed on to a local waiter). */
    RELEASED,
    /** The holding was lost; {@link #leaseLost} told why. */
    LOST
  }

  /** Why a holding was lost. */
  enum LossCause {
    /** The lease time passed without a renewal the server confirmed (or with renewal off). */
    EXPIRED,
    /**
     * The server no longer held the lease's token when asked: at a renewal, before a local hand-off, or at
     * release.
     */
    NOT_HELD,
    /** The backend reported the lease gone: a ZooKeeper session expired, a lock node deleted by someone else. */
    BACKEND,
    /** The client was closed while the lease was held. */
    CLIENT_CLOSED
  }

  /**
   * An acquisition starts, on the caller's thread.
   *
   * @param lock the lock
   * @return anything the observer wants back in {@link #acquisitionEnded} for this acquisition (such as a
   *     started timer or span), or null
   */
  default @Nullable Object acquisitionStarted(ObservedLock lock) {
    return null;
  }

  /**
   * An acquisition ended; for {@link AcquisitionOutcome#ACQUIRED} its holding was reported started before.
   *
   * @param lock the lock
   * @param state what {@link #acquisitionStarted} returned for it
   * @param outcome how it ended
   * @param wait how long it took, from its start to its end
   * @param failure the exception the caller sees for {@link AcquisitionOutcome#ERROR}, else null
   */
  default void acquisitionEnded(ObservedLock lock, @Nullable Object state, AcquisitionOutcome outcome,
      Duration wait, @Nullable Throwable failure) {}

  /**
   * A holding starts: the server granted the lock, or a local holder passed it on.
   *
   * @param lock the lock
   * @return anything the observer wants back in {@link #leaseEnded} for this holding, or null
   */
  default @Nullable Object leaseStarted(ObservedLock lock) {
    return null;
  }

  /**
   * A holding ended.
   *
   * @param lock the lock
   * @param state what {@link #leaseStarted} returned for it
   * @param end released or lost
   * @param held how long it was held, from its start to its end
   */
  default void leaseEnded(ObservedLock lock, @Nullable Object state, LeaseEnd end, Duration held) {}

  /**
   * A holding was lost.
   *
   * @param lock the lock
   * @param cause why
   */
  default void leaseLost(ObservedLock lock, LossCause cause) {}

  /**
   * A renewal of a held lease failed (no answer in time, or an error); it is retried until the lease runs out.
   *
   * @param lock the lock
   * @param failure what failed
   */
  default void renewalFailed(ObservedLock lock, Throwable failure) {}

  /**
   * Under cohorting, the lock passed from one thread of the client to the next without a round trip.
   *
   * @param lock the lock
   */
  default void handedOff(ObservedLock lock) {}
}
