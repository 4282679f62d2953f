package dev.lockkit.redis.internal;

import dev.lockkit.spi.BackendLease;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A lock this client won: the owner token in the lock key, and the fencing token the script returned. */
final class RedisLease implements BackendLease {
  private final RedisBackend backend;
  private final RedisKeys keys;
  private final String owner;
  private final long fence;
  private final long acquiredAt;

  RedisLease(RedisBackend backend, RedisKeys keys, String owner, long fence, long acquiredAt) {
    this.backend = backend;
    this.keys = keys;
    this.owner = owner;
    this.fence = fence;
    this.acquiredAt = acquiredAt;
  }

  @Override
  public long fencingToken() {
    return fence;
  }

  @Override
  public long acquiredAtNanos() {
    return acquiredAt;
  }

  @Override
  public CompletableFuture<Boolean> renew(Duration leaseTime) {
    return backend.renew(keys, owner, leaseTime);
  }

  /** The renew script runs on the primary, one command at a time: its answer is already linearizable. */
  @Override
  public CompletableFuture<Boolean> confirm(Duration leaseTime) {
    return backend.renew(keys, owner, leaseTime);
  }

  @Override
  public CompletableFuture<Boolean> release() {
    return backend.release(keys, owner);
  }

  /**
   * One script ({@link Scripts#KEEP}): the key stays, holding no owner's token, for {@code keepFor}, and waiters
   * are told to re-check when it ends. False if the token no longer held the lock; the holder then is untouched.
   */
  @Override
  public CompletableFuture<Boolean> releaseKeeping(Duration keepFor) {
    return backend.keep(keys, owner, keepFor);
  }

  @Override
  public String toString() {
    return "RedisLease{" + keys.lock() + ", fence=" + fence + '}';
  }
}
