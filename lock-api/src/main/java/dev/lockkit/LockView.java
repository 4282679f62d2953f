package dev.lockkit;

import dev.lockkit.internal.Checks;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A {@link DistributedLock} seen as a {@link Lock}, for code and frameworks written against {@code Lock} (Spring
 * Integration's {@code LockRegistry} hands out {@code Lock}s). Thread-bound like {@link
 * java.util.concurrent.locks.ReentrantLock}: the thread that locks must unlock, and may lock again, each
 * {@code lock()} matched by one {@code unlock()}; the lock is released on the server by the last one.
 *
 * <p>What the view loses against {@link Lease}: {@code Lock} has no fencing token and no loss signal. Get them
 * from {@link #lease()} on the holding thread, and ask {@link #isHeldByCurrentThread()} before work that must
 * not run unprotected: it is false once the lease was lost. An {@link #unlock()} of a lease that was lost
 * meanwhile throws {@link LockLostException}, as {@link Lease#close()} does; every other failure of the backend
 * is a {@link LockBackendException}, both unchecked. {@link #newCondition()} is not supported.
 *
 * <p>Obtained from {@link DistributedLock#asLock()}. Each view keeps its own holds: unlock through the view that
 * locked.
 */
public final class LockView implements Lock {
  private final DistributedLock lock;
  /** The leases each thread holds through this view, the innermost first; no entry for a thread with none. */
  private final Map<Thread, ArrayDeque<Lease>> holds = new ConcurrentHashMap<>();

  /**
   * A view of {@code lock}.
   *
   * @param lock the distributed lock
   * @throws IllegalArgumentException if {@code lock} is null
   */
  public LockView(DistributedLock lock) {
    this.lock = Checks.notNull(lock, "lock");
  }

  /**
   * Acquires the lock, waiting as long as it takes. An interrupt does not end the wait (as {@code Lock.lock()}
   * requires); it is kept for the caller to see once the lock is held.
   *
   * @throws LockBackendException if the server cannot be reached
   * @throws LockClientClosedException if the client is closed while waiting
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public void lock() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          push(lock.acquire());
          return;
        } catch (InterruptedException e) {
          interrupted = true;
          Thread.interrupted(); // wait again, with the flag cleared, and restore it at the end
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Acquires the lock, waiting as long as it takes, unless the thread is interrupted.
   *
   * @throws InterruptedException if the thread is interrupted while waiting; nothing is held then
   * @throws LockBackendException if the server cannot be reached
   * @throws LockClientClosedException if the client is closed while waiting
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public void lockInterruptibly() throws InterruptedException {
    push(lock.acquire());
  }

  /**
   * Acquires the lock if it is free now: one round trip.
   *
   * @return whether the lock is now held by the calling thread
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public boolean tryLock() {
    Optional<Lease> lease = lock.tryAcquire();
    lease.ifPresent(this::push);
    return lease.isPresent();
  }

  /**
   * Acquires the lock if it becomes free within the given time; zero or less makes one attempt.
   *
   * @param time the longest wait
   * @param unit the unit of {@code time}
   * @return whether the lock is now held by the calling thread
   * @throws InterruptedException if the thread is interrupted while waiting; nothing is held then
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalArgumentException if {@code unit} is null
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    Checks.notNull(unit, "unit");
    Duration wait = time <= 0 ? Duration.ZERO : Duration.of(time, unit.toChronoUnit());
    Optional<Lease> lease = lock.tryAcquire(wait);
    lease.ifPresent(this::push);
    return lease.isPresent();
  }

  /**
   * Ends the calling thread's innermost hold; the last one releases the lock on the server.
   *
   * @throws IllegalMonitorStateException if the calling thread holds this lock through this view not at all
   * @throws LockLostException if the lease was lost before this unlock (the critical section was not protected
   *     throughout); the hold has ended all the same
   * @throws LockBackendException if the server could not be told in time; the hold has ended, and the lock
   *     expires on the server at the end of its lease time
   */
  @Override
  public void unlock() {
    Thread thread = Thread.currentThread();
    ArrayDeque<Lease> mine = holds.get(thread);
    if (mine == null || mine.isEmpty()) {
      throw new IllegalMonitorStateException("the calling thread " + thread.getName() + " does not hold lock '"
          + lock.name() + "' through this view: unlock() must run on the thread that locked, once per lock()");
    }
    Lease lease = mine.pop();
    if (mine.isEmpty()) {
      holds.remove(thread);
    }
    lease.close();
  }

  /**
   * Not supported: a distributed lock has no condition variables.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public Condition newCondition() {
    throw new UnsupportedOperationException("lock '" + lock.name() + "' is a distributed lock: it has no "
        + "conditions; wait and signal through the data it protects, or a queue");
  }

  /**
   * The calling thread's innermost lease of this lock through this view: its fencing token for storage, its
   * loss listeners.
   *
   * @return the lease, or empty if the calling thread holds none through this view
   */
  public Optional<Lease> lease() {
    ArrayDeque<Lease> mine = holds.get(Thread.currentThread());
    return mine == null ? Optional.empty() : Optional.ofNullable(mine.peek());
  }

  /**
   * Whether the calling thread holds this lock through this view with a lease that is still valid (see
   * {@link Lease#isValid()}): false once the lease was lost, although {@link #unlock()} is still due.
   *
   * @return true if held by the calling thread and valid
   */
  public boolean isHeldByCurrentThread() {
    return lease().map(Lease::isValid).orElse(false);
  }

  /**
   * How many times the calling thread has locked this view without unlocking.
   *
   * @return the hold count, 0 if none
   */
  public int getHoldCount() {
    ArrayDeque<Lease> mine = holds.get(Thread.currentThread());
    return mine == null ? 0 : mine.size();
  }

  /**
   * The distributed lock this view shows.
   *
   * @return the lock
   */
  public DistributedLock distributedLock() {
    return lock;
  }

  private void push(Lease lease) {
    holds.computeIfAbsent(Thread.currentThread(), t -> new ArrayDeque<>()).push(lease);
  }

  @Override
  public String toString() {
    return "LockView{" + lock.name() + '}';
  }
}
