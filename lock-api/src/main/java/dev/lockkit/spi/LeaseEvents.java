package dev.lockkit.spi;

import org.jspecify.annotations.Nullable;

/**
 * What a backend tells the client about a held lease between renewals. Backends whose leases hang on a
 * session (ZooKeeper) report connection trouble here; others may never call it. Safe to call from any
 * thread, at any time, repeatedly.
 */
public interface LeaseEvents {

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
