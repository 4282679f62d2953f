package dev.lockkit.spring.boot;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.ReleaseOutcome;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of a {@link LockClient}, asked of its server for real: each check takes and releases a lock of its
 * own ({@code lockkit-health/<random id>}, one name per indicator, so that the checks of several instances never
 * contend), each of the two round trips bounded by the client's command timeout.
 *
 * <ul>
 *   <li>UP when the server answered both, with the details {@code backend} (the scheme, when known),
 *       {@code namespace}, {@code lock} (the check's lock name) and {@code roundTripMillis} (the acquisition and the
 *       release together). A lock found held, which only an earlier check whose release went unconfirmed can do,
 *       still proves that the server answers.
 *   <li>DOWN with the exception (its class and message) when the server could not be reached or did not answer
 *       within the command timeout, when the release went unconfirmed or found the lease lost, or when the client is
 *       closed. A check ends within about twice the command timeout.
 * </ul>
 *
 * <p>Checks of one indicator run one at a time: a check that finds another still running waits for it, up to
 * twice the command timeout and a second, and is DOWN if that was not enough.
 */
public final class LockkitHealthIndicator implements HealthIndicator {
  private static final Logger log = LoggerFactory.getLogger(LockkitHealthIndicator.class);
  /** The prefix of each indicator's lock name. */
  public static final String LOCK_PREFIX = "lockkit-health/";

  private final LockClient client;
  private final @Nullable String backend;
  private final String lockName;
  private final ReentrantLock oneAtATime = new ReentrantLock();

  /**
   * An indicator of the given client, without the {@code backend} detail.
   *
   * @param client the client to check
   * @throws IllegalArgumentException if {@code client} is null
   */
  public LockkitHealthIndicator(LockClient client) {
    this(client, null);
  }

  /**
   * An indicator of the given client.
   *
   * @param client the client to check
   * @param backend the backend's scheme for the {@code backend} detail ({@code redis}, {@code zookeeper}, ...), or
   *     null to leave the detail out
   * @throws IllegalArgumentException if {@code client} is null
   */
  public LockkitHealthIndicator(LockClient client, @Nullable String backend) {
    if (client == null) {
      throw new IllegalArgumentException("client must not be null");
    }
    this.client = client;
    this.backend = backend;
    this.lockName = LOCK_PREFIX + UUID.randomUUID();
  }

  /**
   * The name of the lock this indicator takes and releases on each check.
   *
   * @return {@code lockkit-health/<random id>}
   */
  public String lockName() {
    return lockName;
  }

  /**
   * Checks the server: one acquisition and one release of this indicator's lock.
   *
   * @return UP with details, or DOWN with the failure; never null
   */
  @Override
  public Health health() {
    Health.Builder health = new Health.Builder();
    if (backend != null) {
      health.withDetail("backend", backend);
    }
    health.withDetail("lock", lockName);
    try {
      health.withDetail("namespace", client.options().namespace());
      Duration commandTimeout = client.options().commandTimeout();
      long waitMillis = commandTimeout.multipliedBy(2).plusSeconds(1).toMillis();
      if (!oneAtATime.tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
        return health.down().withDetail("error", "an earlier check of this client is still waiting for the server "
            + "after " + waitMillis + " ms").build();
      }
      try {
        return check(health);
      } finally {
        oneAtATime.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return health.down(e).build();
    } catch (RuntimeException e) {
      log.warn("lockkit health check failed: {}", e.toString());
      log.debug("lockkit health check failure", e);
      return health.down(e).build();
    }
  }

  private Health check(Health.Builder health) {
    DistributedLock lock = client.lock(lockName);
    long start = System.nanoTime();
    Optional<Lease> lease = lock.tryAcquire();
    if (lease.isEmpty()) {
      // the server answered: the lock is still held by an earlier check whose release went unconfirmed
      return health.up().withDetail("roundTripMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
          .withDetail("held", "by an earlier check whose release was not confirmed; it expires with its lease")
          .build();
    }
    ReleaseOutcome outcome = lease.get().release();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    health.withDetail("roundTripMillis", millis);
    switch (outcome) {
      case RELEASED:
        return health.up().build();
      case UNCONFIRMED:
        log.warn("lockkit health check: the server did not confirm the release of '{}'", lockName);
        return health.down().withDetail("error", "the server did not confirm the release of the check's lock "
            + "within the command timeout").build();
      default:
        log.warn("lockkit health check: the lease of '{}' was lost before its release", lockName);
        return health.down().withDetail("error", "the check's lease was lost before its release: the server "
            + "lost or gave away the lock within " + millis + " ms").build();
    }
  }

  @Override
  public String toString() {
    return "LockkitHealthIndicator{" + lockName + (backend == null ? "" : ", " + backend) + '}';
  }
}
