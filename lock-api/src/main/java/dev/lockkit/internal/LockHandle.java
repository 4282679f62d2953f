package dev.lockkit.internal;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link DistributedLock} a user holds: a name on a client, and nothing else. Each operation pins the
 * client's state of the name ({@link CoreLock}) while it runs, so that the handle can be kept for as long as
 * the caller likes while the client keeps state only for names in use.
 */
final class LockHandle implements DistributedLock {
  private final CoreLockClient client;
  private final String name;
  private final Terms terms;

  LockHandle(CoreLockClient client, String name, Terms terms) {
    this.client = client;
    this.name = name;
    this.terms = terms;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Lease acquire() throws InterruptedException {
    client.checkOpen();
    CoreLock lock = client.pin(name);
    try {
      return lock.acquire(terms);
    } finally {
      lock.unpin();
    }
  }

  @Override
  public Lease acquire(Duration maxWait) throws InterruptedException {
    Checks.positive(maxWait, "maxWait");
    client.checkOpen();
    CoreLock lock = client.pin(name);
    try {
      return lock.acquire(maxWait, terms);
    } finally {
      lock.unpin();
    }
  }

  @Override
  public Optional<Lease> tryAcquire() {
    client.checkOpen();
    CoreLock lock = client.pin(name);
    try {
      return lock.tryAcquire(terms);
    } finally {
      lock.unpin();
    }
  }

  @Override
  public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
    Checks.notNegative(maxWait, "maxWait");
    client.checkOpen();
    CoreLock lock = client.pin(name);
    try {
      return lock.tryAcquire(maxWait, terms);
    } finally {
      lock.unpin();
    }
  }

  @Override
  public CompletableFuture<Lease> acquireAsync(Duration maxWait) {
    Checks.positive(maxWait, "maxWait");
    client.checkOpen();
    CoreLock lock = client.pin(name);
    CompletableFuture<Lease> result;
    try {
      result = lock.acquireAsync(maxWait, terms);
    } catch (RuntimeException | Error e) {
      lock.unpin();
      throw e;
    }
    // a lease won is pinned by its own holding before the future completes
    result.whenComplete((lease, failure) -> lock.unpin());
    return result;
  }

  @Override
  public boolean isHeldByCurrentThread() {
    CoreLock lock = client.existing(name);
    return lock != null && lock.isHeldByCurrentThread();
  }

  /** The state of this name while in use, for tests; null when the client keeps none. */
  @org.jspecify.annotations.Nullable CoreLock state() {
    return client.existing(name);
  }

  @Override
  public String toString() {
    return terms == client.defaults() ? "DistributedLock{" + name + '}'
        : "DistributedLock{" + name + ", " + terms.options() + (terms.minimumHoldNanos() > 0
            ? ", minimumHold=" + java.time.Duration.ofNanos(terms.minimumHoldNanos()) : "") + '}';
  }
}
