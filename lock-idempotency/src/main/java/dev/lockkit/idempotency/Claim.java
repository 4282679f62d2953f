package dev.lockkit.idempotency;

import dev.lockkit.Lease;

/**
 * The claim of a key that an {@link IdempotentAction} runs under: the key, and the lockkit lease that holds it.
 * The guard owns the lease and releases it when the action returns; the action only reads it.
 */
public final class Claim {
  private final IdempotencyKey key;
  private final Lease lease;

  Claim(IdempotencyKey key, Lease lease) {
    this.key = key;
    this.lease = lease;
  }

  /**
   * The key claimed.
   *
   * @return the key
   */
  public IdempotencyKey key() {
    return key;
  }

  /**
   * The fencing token of the claim's lease: the fence of the key's record, and the token to hand to every
   * write the action makes elsewhere (see {@link Lease#fencingToken()}).
   *
   * @return the token, positive
   */
  public long fencingToken() {
    return lease.fencingToken();
  }

  /**
   * The name of the lockkit lock that holds the claim.
   *
   * @return the lock name
   */
  public String lockName() {
    return lease.name();
  }

  /**
   * Whether the claim's lease is still held (see {@link Lease#isValid()}): a long action may check it between
   * steps and stop early once it is false, since its outcome would then likely be refused.
   *
   * @return true while the lease is valid
   */
  public boolean isValid() {
    return lease.isValid();
  }

  @Override
  public String toString() {
    return "Claim{" + key + ", token=" + lease.fencingToken() + '}';
  }
}
