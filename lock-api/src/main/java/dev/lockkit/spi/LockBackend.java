package dev.lockkit.spi;

import java.util.concurrent.CompletableFuture;

/**
 * The server-facing half of a client: acquires a lock name for an owner token, waiting as the server lets it
 * (pub/sub, watches), and hands back a {@link BackendLease} to renew and release it. Implementations are
 * thread-safe and must not block the caller of {@link #acquire}.
 *
 * <p>The lockkit client built by {@link LockClients#create} around a backend already validates input, keeps
 * re-entrancy, deadlines, renewal schedules, loss listeners and timeouts. The backend keeps only the
 * server's side of the semantics: mutual exclusion by owner token, fencing tokens that grow, waking waiters.
 */
public interface LockBackend {

  /**
   * Starts an acquisition. The returned future completes with the lease once the lock is the requester's,
   * or with {@code null} when {@link AcquireRequest#waits()} is false and the lock is held by someone else,
   * or exceptionally with a {@link dev.lockkit.LockBackendException} when the server fails.
   *
   * <p>The caller may complete the future first (cancel it on interrupt or close, fail it on timeout). The
   * backend must then stop waiting, and must leave nothing behind: whenever it wins the lock but
   * {@link CompletableFuture#complete} returns false, it releases what it won.
   *
   * @param request what to acquire, for whom, how long to wait
   * @return a future of the lease, or of null for an attempt that may not wait
   */
  CompletableFuture<BackendLease> acquire(AcquireRequest request);

  /**
   * What the backend still does on the server after the caller completed an {@code acquisition} of
   * {@link #acquire} first (a waiter's registration taken back, a lock granted to it meanwhile let go): a future
   * that completes once that was answered or failed, or at once if nothing is left to do. A caller that gave up
   * (timeout, interrupt) waits for it, within a bound, before it returns, so that what it does next (a release
   * of another lease, another attempt) finds no trace of the acquisition on the server.
   *
   * @param acquisition a future {@link #acquire} returned, completed by the caller
   * @return a future that completes (normally) once the acquisition's clean-up is done
   */
  default CompletableFuture<Void> cleanedUp(CompletableFuture<BackendLease> acquisition) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * A description of the server for messages, such as {@code redis://127.0.0.1:6379}; no credentials.
   *
   * @return the description
   */
  String describe();

  /**
   * Closes connections and stops the backend's own threads. Called once, after the client has released
   * what it held; pending acquisitions have already been completed by the client.
   */
  void close();

  /**
   * Stops the way a crashed process stops: connections close without releasing anything, so the server
   * frees held locks only when their lease time runs out or the session ends. For tests of failure
   * handling; a backend without a cheaper way may simply {@link #close()} its connections.
   */
  default void abandon() {
    close();
  }
}
