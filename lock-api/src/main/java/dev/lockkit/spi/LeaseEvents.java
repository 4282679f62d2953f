package dev.lockkit.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a backend tells the client about an acquisition while it waits ({@link #seenHeld()}) and about a held
 * lease between renewals. Backends whose leases hang on a session (ZooKeeper) report connection trouble here;
 * others may never call those. Safe to call from any thread, at any time, repeatedly.
 */
public interface LeaseEvents {

  /**
   * A waiting acquisition completed an attempt and found the lock held by another owner; it waits now. Every
   * backend calls this once its first attempt of a waiting acquisition did not win, before it waits: a timed
   * acquisition is reported as timed out because the lock "stayed held" only after this call. Until then the
   * client lets the first attempt finish (within the command timeout) even if the caller's wait is shorter,
   * so that a short wait on a free lock does not fail for the time a round trip takes.
   */
  void seenHeld();

  /** The connection is suspended: the lease may or may not still be held; it is not valid meanwhile. */
  void suspended();

  /** The same session is connected again after {@link #suspended()}: the lease is held as before. */
  void resumed();

  /**
   * The lease is gone on the server (session expired, node deleted by someone else).
   *
   * @param reason why, for the holder's exception
   * @param cause the underlying failure, or null
   */
  void lost(String reason, @Nullable Throwable cause);
}
