package dev.lockkit.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One acquisition as the server knows it: an owner token holding a lock name. The client calls these
 * methods from its own threads and bounds each future with the command timeout.
 */
public interface BackendLease {

  /**
   * The fencing token the server handed out for this acquisition: strictly greater than every token handed
   * out before for the same lock name.
   *
   * @return the token, positive
   */
  long fencingToken();

  /**
   * The {@link System#nanoTime()} just before the request that won the lock was sent: the server's lease
   * started no earlier, so a deadline counted from here is conservative.
   *
   * @return a nanoTime reading
   */
  long acquiredAtNanos();

  /**
   * Extends the lease to {@code leaseTime} from now, only if the server still holds this owner's token
   * (compare, then extend, atomically).
   *
   * @param leaseTime the new lease time
   * @return a future of true if extended, false if the lock is no longer this owner's; exceptional if the
   *     server could not be asked
   */
  CompletableFuture<Boolean> renew(Duration leaseTime);

  /**
   * Confirms on the server that this owner still holds the lock, and extends the lease to {@code leaseTime}
   * from now. Unlike {@link #renew}, the answer must be linearizable: true means that at one moment between
   * the call and its answer the server held the lock for this owner, so that no other acquisition of this
   * name (whose token would be larger) happened before that moment. Cohorting calls it before a lock passes
   * to another thread of the same client: that holder's token is this lease's token plus the number of
   * hand-offs, which is only right if nobody else acquired meanwhile (a server that restarted empty, a
   * session that expired on the server before the client heard of it). A backend whose {@link #renew} already
   * asks the server in this way may simply call it.
   *
   * @param leaseTime the new lease time
   * @return a future of true if confirmed and extended, false if the lock is no longer this owner's;
   *     exceptional if the server could not be asked
   */
  CompletableFuture<Boolean> confirm(Duration leaseTime);

  /**
   * Releases the lock only if the server still holds this owner's token, and wakes waiters. Called at most
   * once by the client.
   *
   * @return a future of true if released, false if the lock was no longer this owner's; exceptional if the
   *     server could not be asked
   */
  CompletableFuture<Boolean> release();

  /**
   * Ends this owner's holding but leaves the lock held on the server for {@code keepFor} more (a minimum
   * hold): only if the server still holds this owner's token, the lock stays taken by nobody until
   * {@code keepFor} has passed on the server, then it is free without any client's help (the client may have
   * exited by then). Waiters are not woken before then; they find the lock free when it ends (woken, or by
   * their fallback re-check, which must not come much later than the end). Called at most once by the client,
   * instead of {@link #release()}, with a positive duration of at most the longest lease time.
   *
   * <p>The default refuses: a backend that offers minimum holds overrides it.
   *
   * @param keepFor how long the server keeps the lock after this call, positive
   * @return a future of true if the lock is kept, false if it was no longer this owner's; exceptional if the
   *     server could not be asked
   */
  default CompletableFuture<Boolean> releaseKeeping(Duration keepFor) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "this backend (" + getClass().getName() + ") does not keep a lock after its release (minimum hold)"));
  }
}
