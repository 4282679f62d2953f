package dev.lockkit.spring.integration;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.integration.support.locks.ExpirableLockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration lock registry over a lockkit {@link LockClient}: a drop-in for {@code RedisLockRegistry} and
 * {@code ZookeeperLockRegistry} (aggregators, leader initiators, {@code executeLocked}) on any lockkit backend.
 *
 * <p><b>Keys.</b> A key must be a {@link String}, and is used unchanged as the lockkit lock name, within the
 * client's namespace: so {@code obtain("orders/42")} and {@code client.lock("orders/42")} are the same lock, and
 * two registries on clients of one server and namespace share their locks, as two {@code RedisLockRegistry}s with
 * one registry key do. A lock name has 1 to 200 characters: letters, digits and {@code - _ . : @ = + # , ~ !},
 * with {@code /} separating non-empty segments, none of which is {@code .} or {@code ..}. Keys outside these rules
 * (a space, a leading {@code /}, an empty string) are refused by {@link #obtain} with an
 * {@link IllegalArgumentException} that names the key and the rule it broke; the UUID keys Spring Integration's
 * aggregators use are valid names.
 *
 * <p><b>Locks.</b> {@link #obtain} returns a {@link LockkitRegistryLock}: thread-bound and re-entrant, renewed while
 * held, with the holder's fencing token and loss signal (see there). The same key gives the same instance as long
 * as the lock is held or awaited, and until {@link #expireUnusedOlderThan} drops it once unused; exclusion never
 * depends on that identity, since every instance of a name goes through the one client, which keeps re-entrancy
 * per thread and exclusion per name.
 *
 * <p><b>Settings.</b> Every lock gets the registry's {@link LockSettings} (lease time, renewal, cohorting, minimum
 * hold) over the client's options; {@link LockkitRegistryLock#lock(Duration)} and
 * {@link LockkitRegistryLock#tryLock(Duration, Duration)} take the lease time from their ttl instead, keeping the
 * rest. The ttl (the {@code expireAfter} of {@code RedisLockRegistry}) bounds how long the server keeps the lock of
 * a holder that died; a live holder keeps it while it runs, by renewal.
 *
 * <p><b>Renewal.</b> lockkit renews every held lease itself, every renewal interval, until it is released; there
 * is nothing to schedule, and {@code setRenewalTaskScheduler} keeps its default, which ignores the scheduler.
 * {@link #renewLock(Object)} checks that the calling thread holds a valid lease, so that code written for
 * {@code RedisLockRegistry}'s manual renewal keeps working and learns of a loss.
 *
 * <p>Thread-safe. The registry owns no connection: closing the client (the application context does it for the
 * client bean) ends every lock.
 */
public final class LockkitLockRegistry
    implements ExpirableLockRegistry<LockkitRegistryLock>, RenewableLockRegistry<LockkitRegistryLock> {
  private static final int KEY_SHOWN = 80;

  private final LockClient client;
  private final LockSettings settings;
  private final LockOptions effective;
  private final ConcurrentHashMap<String, LockkitRegistryLock> locks = new ConcurrentHashMap<>();

  /**
   * A registry whose locks have the client's options.
   *
   * @param client the lockkit client every lock goes through
   * @throws IllegalArgumentException if {@code client} is null
   */
  public LockkitLockRegistry(LockClient client) {
    this(client, LockSettings.none());
  }

  /**
   * A registry whose locks all have these settings over the client's options.
   *
   * @param client the lockkit client every lock goes through
   * @param settings the settings of every lock (a ttl given to a lock replaces their lease time)
   * @throws IllegalArgumentException if {@code client} or {@code settings} is null, or the settings do not fit
   *     the client's options (a renewal interval longer than half the lease time), naming the setting
   */
  public LockkitLockRegistry(LockClient client, LockSettings settings) {
    if (client == null) {
      throw new IllegalArgumentException("client must not be null");
    }
    if (settings == null) {
      throw new IllegalArgumentException("settings must not be null; LockSettings.none() keeps the client's options");
    }
    this.client = client;
    this.settings = settings;
    this.effective = settings.over(client.options());
  }

  /**
   * The lock of {@code lockKey}: the instance already in use for that key, else a new one.
   *
   * @param lockKey the key, a {@link String} used unchanged as the lock name (see {@link LockkitLockRegistry})
   * @return the key's lock
   * @throws IllegalArgumentException if {@code lockKey} is null, not a {@code String}, or not a valid lock name,
   *     saying which rule it breaks
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public LockkitRegistryLock obtain(Object lockKey) {
    String key = key(lockKey);
    try {
      return locks.compute(key, (k, existing) ->
          existing != null ? existing.touch() : new LockkitRegistryLock(k, client.lock(k, settings), this));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("lockKey " + shown(key) + " cannot be a lock name, which a "
          + "LockkitLockRegistry uses it as unchanged: " + e.getMessage(), e);
    }
  }

  /**
   * Drops the locks that no thread holds or is acquiring and that were last used (obtained, locked or unlocked)
   * more than {@code age} milliseconds ago; {@code obtain} then makes a new instance for their keys. Locks in use
   * are never dropped. Nothing is sent to the server: a dropped lock holds nothing there.
   *
   * @param age the age in milliseconds; zero or negative drops every lock not in use
   */
  @Override
  public void expireUnusedOlderThan(long age) {
    long now = System.nanoTime();
    long ageNanos = TimeUnit.MILLISECONDS.toNanos(age);
    for (String key : locks.keySet()) {
      locks.computeIfPresent(key, (k, lock) -> lock.unusedLongerThan(ageNanos, now) ? null : lock);
    }
  }

  /**
   * Checks that the calling thread holds the lock of {@code lockKey} with a valid lease. lockkit renews a held
   * lease by itself every renewal interval until it is released, so there is nothing more to do; this method only
   * tells a caller written for manual renewal what it needs to know.
   *
   * @param lockKey the key
   * @throws IllegalStateException if the calling thread does not hold the lock
   * @throws LockLostException if its lease was lost (the critical section is no longer protected)
   * @throws UnsupportedOperationException if renewal is off for this registry's locks (in its settings or the
   *     client's options): lockkit cannot extend a lease by hand
   * @throws IllegalArgumentException if {@code lockKey} is null or not a {@code String}
   */
  @Override
  public void renewLock(Object lockKey) {
    String key = key(lockKey);
    LockkitRegistryLock lock = locks.get(key);
    Lease lease = lock == null ? null : lock.lease().orElse(null);
    if (lease == null) {
      throw new IllegalStateException("the calling thread '" + Thread.currentThread().getName() + "' does not hold "
          + "lock " + shown(key) + ": only the holder may renew it");
    }
    if (!effective.renewalEnabled()) {
      throw new UnsupportedOperationException("renewal is off for the locks of this registry (LockSettings."
          + "withoutRenewal() or the client's options): a lockkit lease cannot be extended by hand; turn renewal on "
          + "to keep locks while they are held");
    }
    if (!lease.isValid()) {
      throw new LockLostException("lock " + shown(key) + " was lost while held (its lease is no longer valid): the "
          + "critical section is not protected any more", null);
    }
  }

  /**
   * As {@link #renewLock(Object)}: the lease of a held lock is renewed for as long as it is held, whatever the
   * ttl; the ttl cannot change the lease time of a holding (how long the server keeps the lock of a holder that
   * died), which stays the one it was acquired with.
   *
   * @param lockKey the key
   * @param ttl the time-to-live asked for, positive
   * @throws IllegalArgumentException if {@code lockKey} is null or not a {@code String}, or {@code ttl} is null,
   *     zero or negative
   * @throws IllegalStateException if the calling thread does not hold the lock
   * @throws LockLostException if its lease was lost
   * @throws UnsupportedOperationException if renewal is off for this registry's locks
   */
  @Override
  public void renewLock(Object lockKey, Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    renewLock(lockKey);
  }

  /** The lock of {@code key} with the registry's settings and a lease time of {@code ttl}. */
  dev.lockkit.DistributedLock lockWithTtl(String key, Duration ttl) {
    if (ttl == null || ttl.compareTo(LockOptions.MIN_LEASE_TIME) < 0 || ttl.compareTo(LockOptions.MAX_LEASE_TIME) > 0) {
      throw new IllegalArgumentException("ttl of lock " + shown(key) + " must be from " + LockOptions.MIN_LEASE_TIME
          + " to " + LockOptions.MAX_LEASE_TIME + " (it is the lock's lease time on the server), was " + ttl);
    }
    LockSettings.Builder b = LockSettings.builder().leaseTime(ttl);
    if (effective.renewalEnabled()) {
      b.renewInterval(ttl.dividedBy(3)); // lockkit's default rule, also where the client's interval would not fit
    } else {
      b.withoutRenewal();
    }
    if (effective.cohortingEnabled()) {
      b.maxLocalHandoffs(effective.maxLocalHandoffs());
    } else {
      b.withoutCohorting();
    }
    if (!settings.minimumHold().isZero()) {
      b.minimumHold(settings.minimumHold());
    }
    return client.lock(key, b.build());
  }

  /** Maps {@code lock}'s key to it again if an expiry dropped it (see {@code LockkitRegistryLock.begin}). */
  void reinstate(LockkitRegistryLock lock) {
    locks.compute(lock.key(), (k, current) -> current != null ? current : lock);
  }

  /** How many locks the registry keeps, in use or not yet expired. */
  int size() {
    return locks.size();
  }

  private static String key(Object lockKey) {
    if (lockKey == null) {
      throw new IllegalArgumentException("lockKey must not be null");
    }
    if (!(lockKey instanceof String key)) {
      throw new IllegalArgumentException("lockKey must be a String, the lock's name, was a "
          + lockKey.getClass().getName() + " (" + shown(String.valueOf(lockKey)) + "); map it to a String first, as "
          + "Spring Integration's own registries require");
    }
    return key;
  }

  private static String shown(String key) {
    return key.length() <= KEY_SHOWN ? "'" + key + "'" : "'" + key.substring(0, KEY_SHOWN) + "...' (" + key.length()
        + " characters)";
  }

  @Override
  public String toString() {
    return "LockkitLockRegistry{" + client + ", " + settings + '}';
  }
}
