package dev.lockkit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A named lock shared by every client that connects to the same server with the same namespace. At most one
 * valid {@link Lease} exists for a name at any moment while the backend is healthy.
 *
 * <p>Blocking acquisition is re-entrant per thread and client: a thread that holds the lock through this
 * client gets a new lease on the same holding at once, without a server round trip. Asynchronous
 * acquisition is not thread-bound and never re-enters.
 *
 * <p>Waiting is woken by the server (pub/sub, watches), not by polling. An interrupted wait throws
 * {@link InterruptedException} and leaves nothing behind on the server.
 */
public interface DistributedLock {

  /**
   * The lock's name.
   *
   * @return the name given to {@link LockClient#lock(String)}
   */
  String name();

  /**
   * Acquires the lock, waiting as long as it takes.
   *
   * @return the lease, valid on return
   * @throws InterruptedException if the calling thread is interrupted while waiting; nothing is held then
   * @throws LockBackendException if the server cannot be reached
   * @throws IllegalStateException if the client is closed
   * @throws LockClientClosedException if the client is closed while waiting; nothing is held then
   */
  Lease acquire() throws InterruptedException;

  /**
   * Acquires the lock, waiting at most {@code maxWait}. At least one complete attempt is made, as by
   * {@link #tryAcquire()}, however short the wait: a free lock is acquired even if the round trip takes longer
   * than {@code maxWait}. The wait is given up only once the lock was seen held by another owner; if the first
   * attempt gets no answer within the command timeout, the call fails with {@link LockBackendException}.
   *
   * @param maxWait the longest time to wait for another owner to release the lock, positive
   * @return the lease, valid on return
   * @throws LockTimeoutException if the lock was seen held by others and stayed held for the whole of
   *     {@code maxWait}
   * @throws InterruptedException if the calling thread is interrupted while waiting; nothing is held then
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalArgumentException if {@code maxWait} is null, zero or negative
   * @throws IllegalStateException if the client is closed
   * @throws LockClientClosedException if the client is closed while waiting; nothing is held then
   */
  Lease acquire(Duration maxWait) throws InterruptedException;

  /**
   * Acquires the lock only if it is free now: one round trip, no waiting. The round trip itself is bounded
   * by the command timeout; an interrupt that arrives meanwhile is kept for the caller to see.
   *
   * @return the lease, or empty if another holder has the lock
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalStateException if the client is closed
   */
  Optional<Lease> tryAcquire();

  /**
   * Acquires the lock if it becomes free within {@code maxWait}.
   *
   * @param maxWait the longest time to wait, zero or positive (zero is one attempt; a positive wait also makes
   *     at least one complete attempt, as {@link #acquire(Duration)} does)
   * @return the lease, or empty if the lock stayed held by others for the whole wait
   * @throws InterruptedException if the calling thread is interrupted while waiting; nothing is held then
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalArgumentException if {@code maxWait} is null or negative
   * @throws IllegalStateException if the client is closed
   * @throws LockClientClosedException if the client is closed while waiting; nothing is held then
   */
  Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException;

  /**
   * Acquires the lock without blocking the caller. The future completes with the lease, or exceptionally with
   * {@link LockTimeoutException} after {@code maxWait} (counted as by {@link #acquire(Duration)}), with
   * {@link LockBackendException} if the server cannot be reached, or with {@link LockClientClosedException} if
   * the client is closed meanwhile. Cancelling the future abandons the attempt; an acquisition that wins the
   * race with the cancellation is released. The lease is not bound to any thread.
   *
   * @param maxWait the longest time to wait, positive
   * @return a future of the lease
   * @throws IllegalArgumentException if {@code maxWait} is null, zero or negative
   * @throws IllegalStateException if the client is closed
   */
  CompletableFuture<Lease> acquireAsync(Duration maxWait);

  /**
   * Whether the calling thread holds this lock through a blocking acquisition on this client, with a lease
   * that is still valid.
   *
   * @return true if held by the current thread
   */
  boolean isHeldByCurrentThread();

  /**
   * This lock as a {@link java.util.concurrent.locks.Lock}, thread-bound like a {@code ReentrantLock}, for code
   * written against {@code Lock}. See {@link LockView} for what it loses (the token and the loss signal, which
   * {@link LockView#lease()} gives back on the holding thread).
   *
   * @return a new view; each view keeps its own holds, so unlock through the view that locked
   */
  default LockView asLock() {
    return new LockView(this);
  }
}
