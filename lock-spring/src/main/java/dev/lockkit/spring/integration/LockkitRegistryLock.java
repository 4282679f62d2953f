package dev.lockkit.spring.integration;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockLostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * The lock of one key of a {@link LockkitLockRegistry}: a {@link java.util.concurrent.locks.Lock} (and Spring
 * Integration's {@link DistributedLock}, with a time-to-live per acquisition) over the lockkit lock named by the
 * key. Exclusion holds across threads, registries, clients and processes that use the same server and namespace.
 *
 * <p>Thread-bound and re-entrant like {@link java.util.concurrent.locks.ReentrantLock}: the thread that locks must
 * unlock, once per lock; the last unlock releases the lock on the server. An {@link #unlock()} by a thread that
 * does not hold the lock throws {@link IllegalStateException}, as Spring Integration's registries do.
 *
 * <p>What lockkit adds to the {@code Lock} contract: while held, the lease is renewed in the background (unless
 * renewal is off in the registry's settings or the client's options), so a lock is never dropped under a live
 * holder that takes longer than its lease time; {@link #lease()} gives the holding thread its fencing token and loss
 * listeners; {@link #isHeldByCurrentThread()} turns false once the lease was lost (renewal failed until the lease
 * time ran out, the key or node was deleted on the server, the ZooKeeper session expired); and {@link #unlock()} of
 * a lost lease throws {@link LockLostException} (where {@code RedisLockRegistry} throws
 * {@code ConcurrentModificationException}), after ending the hold. Every other failure of the backend is a
 * {@link LockBackendException}. {@link #newCondition()} is not supported.
 */
public final class LockkitRegistryLock implements DistributedLock {
  private final String key;
  private final dev.lockkit.DistributedLock lock;
  private final LockkitLockRegistry registry;
  /** The leases each thread holds, the innermost first; no entry for a thread with none. */
  private final Map<Thread, ArrayDeque<Lease>> holds = new ConcurrentHashMap<>();
  /** Acquisitions under way, which keep the lock in the registry as holds do. */
  private final AtomicInteger acquiring = new AtomicInteger();
  private volatile long lastUsedNanos = System.nanoTime();

  LockkitRegistryLock(String key, dev.lockkit.DistributedLock lock, LockkitLockRegistry registry) {
    this.key = key;
    this.lock = lock;
    this.registry = registry;
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
    lockUninterruptibly(lock);
  }

  /**
   * Acquires the lock with a lease time of {@code ttl}, waiting as long as it takes; an interrupt is kept for the
   * caller, as by {@link #lock()}. The ttl is the lease time of the lock on the server: how long the server keeps
   * it for a holder that stopped renewing it (a holder that died). A live holder renews it (unless renewal is off)
   * and keeps it until it unlocks, however long that takes. A re-entrant acquisition joins the thread's holding
   * and keeps that holding's lease time.
   *
   * @param ttl the lease time, from {@link dev.lockkit.LockOptions#MIN_LEASE_TIME} to
   *     {@link dev.lockkit.LockOptions#MAX_LEASE_TIME}
   * @throws IllegalArgumentException if {@code ttl} is null or outside that range
   * @throws LockBackendException if the server cannot be reached
   * @throws LockClientClosedException if the client is closed while waiting
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public void lock(Duration ttl) {
    lockUninterruptibly(registry.lockWithTtl(key, ttl));
  }

  /**
   * Acquires the lock, waiting as long as it takes, unless the thread is interrupted.
   *
   * @throws InterruptedException if the thread is interrupted while waiting; nothing is held then, here or on the
   *     server
   * @throws LockBackendException if the server cannot be reached
   * @throws LockClientClosedException if the client is closed while waiting
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public void lockInterruptibly() throws InterruptedException {
    begin();
    try {
      push(lock.acquire());
    } finally {
      end();
    }
  }

  /**
   * Acquires the lock if it is free now: one round trip, no waiting (none at all when the calling thread already
   * holds it).
   *
   * @return whether the calling thread now holds the lock
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public boolean tryLock() {
    begin();
    try {
      Optional<Lease> lease = lock.tryAcquire();
      lease.ifPresent(this::push);
      return lease.isPresent();
    } finally {
      end();
    }
  }

  /**
   * Acquires the lock if it becomes free within the given time; zero or less makes one attempt. Waiting is woken
   * by the server when the holder releases, not by polling.
   *
   * @param time the longest wait
   * @param unit the unit of {@code time}
   * @return whether the calling thread now holds the lock
   * @throws InterruptedException if the thread is interrupted while waiting; nothing is held then
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalArgumentException if {@code unit} is null
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    if (unit == null) {
      throw new IllegalArgumentException("unit must not be null");
    }
    return tryLock(lock, time <= 0 ? Duration.ZERO : Duration.ofNanos(unit.toNanos(time)));
  }

  /**
   * Acquires the lock with a lease time of {@code ttl} (as {@link #lock(Duration)} explains) if it becomes free
   * within {@code waitTime}; zero or negative makes one attempt.
   *
   * @param waitTime the longest wait
   * @param ttl the lease time, from {@link dev.lockkit.LockOptions#MIN_LEASE_TIME} to
   *     {@link dev.lockkit.LockOptions#MAX_LEASE_TIME}
   * @return whether the calling thread now holds the lock
   * @throws InterruptedException if the thread is interrupted while waiting; nothing is held then
   * @throws IllegalArgumentException if {@code waitTime} is null, or {@code ttl} is null or outside that range
   * @throws LockBackendException if the server cannot be reached within the command timeout
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
    if (waitTime == null) {
      throw new IllegalArgumentException("waitTime must not be null");
    }
    dev.lockkit.DistributedLock withTtl = registry.lockWithTtl(key, ttl);
    return tryLock(withTtl, waitTime.isNegative() ? Duration.ZERO : waitTime);
  }

  /**
   * Ends the calling thread's innermost hold; the last one releases the lock on the server, which wakes the next
   * waiter.
   *
   * @throws IllegalStateException if the calling thread does not hold this lock
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
      throw new IllegalStateException("the calling thread '" + thread.getName() + "' does not hold lock '" + key
          + "': unlock() must run on the thread that locked, once per lock()");
    }
    Lease lease = mine.pop();
    if (mine.isEmpty()) {
      holds.remove(thread);
    }
    lastUsedNanos = System.nanoTime();
    lease.close();
  }

  /**
   * Not supported: a distributed lock has no condition variables.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public Condition newCondition() {
    throw new UnsupportedOperationException("lock '" + key + "' is a distributed lock: it has no conditions; "
        + "wait and signal through the data it protects, or a queue");
  }

  /**
   * The calling thread's innermost lease of this lock: its fencing token, to hand to storage with every write made
   * under the lock, and its loss listeners.
   *
   * @return the lease, or empty if the calling thread does not hold this lock
   */
  public Optional<Lease> lease() {
    ArrayDeque<Lease> mine = holds.get(Thread.currentThread());
    return mine == null ? Optional.empty() : Optional.ofNullable(mine.peek());
  }

  /**
   * Whether the calling thread holds this lock with a lease that is still valid (see {@link Lease#isValid()}):
   * false once the lease was lost, although {@link #unlock()} is still due.
   *
   * @return true if held by the calling thread and valid
   */
  public boolean isHeldByCurrentThread() {
    return lease().map(Lease::isValid).orElse(false);
  }

  /**
   * How many times the calling thread has locked this lock without unlocking it.
   *
   * @return the hold count, 0 if none
   */
  public int getHoldCount() {
    ArrayDeque<Lease> mine = holds.get(Thread.currentThread());
    return mine == null ? 0 : mine.size();
  }

  /**
   * The key this lock was obtained for, which is also its lockkit lock name.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /** Marks a use by {@link LockkitLockRegistry#obtain}. */
  LockkitRegistryLock touch() {
    lastUsedNanos = System.nanoTime();
    return this;
  }

  /** Whether no thread holds or is acquiring this lock, and none used it in the {@code ageNanos} before {@code now}. */
  boolean unusedLongerThan(long ageNanos, long nowNanos) {
    return acquiring.get() == 0 && holds.isEmpty() && nowNanos - lastUsedNanos > ageNanos;
  }

  private void lockUninterruptibly(dev.lockkit.DistributedLock target) {
    begin();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          push(target.acquire());
          return;
        } catch (InterruptedException e) {
          interrupted = true;
          Thread.interrupted(); // wait again with the flag cleared; it is restored at the end
        }
      }
    } finally {
      end();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private boolean tryLock(dev.lockkit.DistributedLock target, Duration wait) throws InterruptedException {
    begin();
    try {
      Optional<Lease> lease = wait.isZero() ? target.tryAcquire() : target.tryAcquire(wait);
      lease.ifPresent(this::push);
      return lease.isPresent();
    } finally {
      end();
    }
  }

  /**
   * Counts an acquisition under way, then makes sure the registry still maps the key to this lock: an
   * {@code expireUnusedOlderThan} that dropped it after it was obtained (it was unused then) is undone, so that
   * {@code obtain} keeps returning the lock a thread holds or waits for. Both steps run under the registry's
   * per-key atomicity, after the count, so the expiry either sees the count or is undone here.
   */
  private void begin() {
    acquiring.incrementAndGet();
    lastUsedNanos = System.nanoTime();
    registry.reinstate(this);
  }

  private void end() {
    acquiring.decrementAndGet();
  }

  private void push(Lease lease) {
    holds.computeIfAbsent(Thread.currentThread(), t -> new ArrayDeque<>()).push(lease);
  }

  @Override
  public String toString() {
    return "LockkitRegistryLock{" + key + '}';
  }
}
