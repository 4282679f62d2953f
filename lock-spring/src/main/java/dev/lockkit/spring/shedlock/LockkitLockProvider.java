package dev.lockkit.spring.shedlock;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.ReleaseOutcome;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ShedLock {@link LockProvider} over a lockkit {@link LockClient}: ShedLock's {@code @SchedulerLock} and
 * {@code LockingTaskExecutor} keep working, and their jobs get lockkit's renewal, minimum hold, fencing and loss
 * signal.
 *
 * <p>Each {@link #lock} is one attempt, without waiting, at the lockkit lock named by
 * {@link LockConfiguration#getName()} (used unchanged; a lock name has 1 to 200 characters: letters, digits and
 * {@code - _ . : @ = + # , ~ !}, with {@code /} between non-empty segments), with:
 * <ul>
 *   <li><b>lease time = lockAtMostFor</b>, renewed while the job runs (unless the client's options turn renewal
 *       off). So {@code lockAtMostFor} bounds how long the lock outlives a node that died or was cut off while
 *       holding it, and a live node keeps the lock for its whole run however long that takes, as ShedLock's
 *       {@code KeepAliveLockProvider} does (do not wrap this provider in one). On ZooKeeper a dead node's lock
 *       lasts until its session expires (the {@code sessionTimeout} of the client's URI), to which lockkit caps the
 *       lease time. A {@code lockAtMostFor} under {@link LockOptions#MIN_LEASE_TIME} is raised to it: with renewal
 *       it only changes how long a dead node keeps the lock, by at most that much;
 *   <li><b>minimum hold = lockAtLeastFor</b>: unlocking earlier leaves the lock held, by nobody, on the server
 *       until lockAtLeastFor has passed since it was taken, so a job that finishes at once on one node still runs
 *       once per period across nodes whose clocks differ.
 * </ul>
 *
 * <p>The attempt does not wait (lockkit's {@link DistributedLock#tryAcquire()}) and is not re-entrant, as ShedLock
 * requires: a lock the same thread already holds is refused like any other held lock. The lock may be unlocked
 * by any thread.
 *
 * <p>{@link SimpleLock#unlock()} releases the lease and never throws for the lease's fate: a lease that was lost
 * during the run (renewal failed until the lease time ran out, the key or node was deleted, the session expired:
 * another node may have run the job meanwhile) is logged at WARN, as is one whose release the server did not
 * confirm in time (it expires there by itself). Unlocking twice throws {@link IllegalStateException}.
 *
 * <p>{@link SimpleLock#extend} is not supported (ShedLock's default: {@link UnsupportedOperationException}): a
 * live holder needs no extension, since its lease is renewed, and a lockkit lease cannot be given a new lease time
 * or minimum hold once taken, so an extension could not honour the new {@code lockAtLeastFor}.
 *
 * <p>Thread-safe. The provider owns no connection.
 */
public final class LockkitLockProvider implements LockProvider {
  private static final Logger LOG = LoggerFactory.getLogger(LockkitLockProvider.class);

  private final LockClient client;

  /**
   * A provider whose locks go through {@code client}, with its options for all but the lease time and minimum
   * hold, which each lock configuration gives.
   *
   * @param client the lockkit client
   * @throws IllegalArgumentException if {@code client} is null
   */
  public LockkitLockProvider(LockClient client) {
    if (client == null) {
      throw new IllegalArgumentException("client must not be null");
    }
    this.client = client;
  }

  /**
   * Takes the lock if no one holds it now, in one round trip to the server.
   *
   * @param configuration the lock's name, lockAtMostFor (the lease time) and lockAtLeastFor (the minimum hold)
   * @return the lock, or empty if another holder (another node, another thread, this thread, or nobody during a
   *     minimum hold) has it
   * @throws IllegalArgumentException if the name is not a valid lock name, or lockAtMostFor is longer than
   *     {@link LockOptions#MAX_LEASE_TIME}, saying which
   * @throws LockBackendException if the server cannot be reached within the client's command timeout
   * @throws IllegalStateException if the client is closed
   */
  @Override
  public Optional<SimpleLock> lock(LockConfiguration configuration) {
    String name = configuration.getName();
    DistributedLock lock;
    try {
      lock = client.lock(name, settings(configuration));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("ShedLock lock '" + name + "' cannot be a lockkit lock, whose name it is "
          + "used as unchanged: " + e.getMessage(), e);
    }
    if (lock.isHeldByCurrentThread()) {
      return Optional.empty(); // ShedLock locks are not re-entrant: a held lock is refused, also to its holder
    }
    return lock.tryAcquire().map(LockkitSimpleLock::new);
  }

  private static LockSettings settings(LockConfiguration configuration) {
    Duration atMost = configuration.getLockAtMostFor();
    if (atMost.compareTo(LockOptions.MAX_LEASE_TIME) > 0) {
      throw new IllegalArgumentException("lockAtMostFor of ShedLock lock '" + configuration.getName() + "' must be "
          + "at most " + LockOptions.MAX_LEASE_TIME + " (it is the lease time of the lockkit lock), was " + atMost);
    }
    LockSettings.Builder b = LockSettings.builder()
        .leaseTime(atMost.compareTo(LockOptions.MIN_LEASE_TIME) < 0 ? LockOptions.MIN_LEASE_TIME : atMost);
    Duration atLeast = configuration.getLockAtLeastFor();
    if (!atLeast.isZero()) {
      b.minimumHold(atLeast); // ShedLock keeps it within [0, lockAtMostFor]
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "LockkitLockProvider{" + client + '}';
  }

  /** One holding of a ShedLock lock: its lockkit lease. */
  private static final class LockkitSimpleLock implements SimpleLock {
    private final Lease lease;
    private final AtomicBoolean unlocked = new AtomicBoolean();

    LockkitSimpleLock(Lease lease) {
      this.lease = lease;
    }

    @Override
    public void unlock() {
      if (!unlocked.compareAndSet(false, true)) {
        throw new IllegalStateException("ShedLock lock '" + lease.name() + "' was already unlocked");
      }
      ReleaseOutcome outcome = lease.release();
      if (outcome == ReleaseOutcome.LOST) {
        LOG.warn("ShedLock lock '{}' (fencing token {}) was lost before the task finished: the task ran without the "
            + "lock from then on, and another node may have run it meanwhile", lease.name(), lease.fencingToken());
      } else if (outcome == ReleaseOutcome.UNCONFIRMED) {
        LOG.warn("ShedLock lock '{}' (fencing token {}) could not be released in time: the server drops it at the "
            + "end of its lease time (lockAtMostFor)", lease.name(), lease.fencingToken());
      }
    }

    @Override
    public String toString() {
      return "LockkitSimpleLock{" + lease.name() + ", token " + lease.fencingToken() + '}';
    }
  }
}
