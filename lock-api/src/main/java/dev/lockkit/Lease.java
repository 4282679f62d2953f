package dev.lockkit;

import java.util.function.Consumer;

/**
 * One holding of a {@link DistributedLock}, to be closed when the critical section ends, ideally by
 * try-with-resources.
 *
 * <p>While the lease is held its backend renews it in the background (unless renewal is turned off in
 * {@link LockOptions}). When the lease ends without the holder closing it (renewal failed until the lease time
 * ran out, the server lost the holder's token, the session expired, the client was closed) the lease is
 * <em>lost</em>: {@link #isValid()} turns false, every listener registered with {@link #onLost(Consumer)} runs
 * once, and {@link #close()} throws {@link LockLostException}.
 *
 * <p>A lease is not bound to a thread: it may be closed by any thread. Leases obtained by re-entering a lock
 * on the thread that holds it share one holding; only when the last of them is closed is the lock released.
 */
public interface Lease extends AutoCloseable {

  /**
   * The lock's name, as given to {@link LockClient#lock(String)}.
   *
   * @return the lock name
   */
  String name();

  /**
   * A number strictly greater than that of every earlier acquisition of this lock name, by any client.
   * Hand it to storage with every write made under the lease and have storage reject a write whose token is
   * lower than the highest it has seen: this keeps a holder that lost its lease without noticing (a long GC
   * pause, a network partition, a failover) from overwriting the work of the next holder. Re-entrant leases
   * of one holding share the token.
   *
   * @return the fencing token, always positive
   */
  long fencingToken();

  /**
   * Whether the lease is still held as far as this client can tell. Answers from the client's own monotonic
   * clock as well as from what the server said: once the lease time has passed since the last renewal the
   * server confirmed, this is false even if no renewal attempt has run since; while a ZooKeeper
   * connection is suspended it is false until the same session reconnects; and once a renewal failed (no
   * answer, a lost connection: the server may have lost the lease, as a Redis restarted without its data does)
   * it is false until a renewal succeeds. Never blocks and never talks to the server.
   *
   * @return true while held and not yet past its confirmed deadline
   */
  boolean isValid();

  /**
   * Registers a listener that runs once if the lease is lost, on a lockkit thread, with the exception that
   * {@link #close()} will throw. A listener registered after the loss runs at once on the calling thread. A
   * listener of a lease that is released normally never runs. A listener that throws is logged and does not
   * keep the others from running.
   *
   * @param listener what to run on loss
   * @throws IllegalArgumentException if {@code listener} is null
   */
  void onLost(Consumer<? super LockLostException> listener);

  /**
   * Ends this lease; the outermost close of a holding releases the lock on the server, which wakes the next
   * waiter. Safe to call more than once: calls after the first do nothing. Waits for the server at most the
   * client's command timeout, and not past the end of the lease time (after which the server has dropped the
   * lock by itself).
   *
   * @throws LockLostException on the first close of a lease that was lost before it was closed (the critical
   *     section was not protected throughout)
   * @throws LockBackendException if the server could not be told in time; the lock then expires on the
   *     server by itself at the end of its lease time, and renewal has already been stopped
   */
  @Override
  void close();

  /**
   * Ends this lease as {@link #close()} does, and tells how it ended instead of throwing: for a {@code finally}
   * block, where an exception would replace the one the critical section threw. Safe to call more than once,
   * and together with {@code close()}: only the first call releases; later ones return
   * {@link ReleaseOutcome#RELEASED}.
   *
   * @return {@link ReleaseOutcome#RELEASED} if the lease was held until now, {@link ReleaseOutcome#LOST} if it
   *     was lost before (where {@code close()} throws {@link LockLostException}),
   *     {@link ReleaseOutcome#UNCONFIRMED} if the server could not be told in time (where {@code close()}
   *     throws {@link LockBackendException})
   */
  default ReleaseOutcome release() {
    try {
      close();
      return ReleaseOutcome.RELEASED;
    } catch (LockLostException e) {
      return ReleaseOutcome.LOST;
    } catch (LockBackendException e) {
      return ReleaseOutcome.UNCONFIRMED;
    }
  }
}
