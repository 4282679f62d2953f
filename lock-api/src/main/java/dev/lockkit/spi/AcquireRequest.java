package dev.lockkit.spi;

import java.time.Duration;

/**
 * One acquisition for a backend to perform.
 *
 * @param namespace the client's namespace, validated: 1 to 64 of {@code A-Z a-z 0-9 _ -}
 * @param name the lock name, validated (see {@link dev.lockkit.LockClient#lock(String)})
 * @param ownerToken 32 lower-case hex digits (128 random bits), unique to this acquisition
 * @param leaseTime how long the server keeps the lock without renewal
 * @param waits false for a single attempt that completes with null if the lock is held
 * @param events where the backend reports what happens to the lease after it is granted
 * @param yieldsToWaiters true when this client has just released the lock on the server while threads of its
 *     own still wait for it (a run of local hand-offs ended, see {@link dev.lockkit.LockOptions#maxLocalHandoffs()}):
 *     other clients waiting for the name should get it first. A backend whose waiters are served in the order
 *     they came (a queue on the server, as ZooKeeper's sequence nodes) has nothing to do. A backend where a
 *     released lock goes to whoever asks first must not take a free lock for this acquisition while another
 *     client waits for the name, for a bounded while (a few times the time a woken waiter needs to ask); else
 *     the releasing process, whose next thread is awake, wins the lock again and again while the others are
 *     being woken, and starves them
 * @param renews true if the client renews the lease while it is held ({@link dev.lockkit.LockOptions#renewalEnabled()}):
 *     a backend may then grant the lock with a lease shorter than {@code leaseTime} that starts earlier than the
 *     answer, by {@link BackendLease#acquiredAtNanos()} set so far back that the client's deadline is the short
 *     lease's end; the client renews it before half the time left to that deadline has passed. Without renewal
 *     the lease time is what the holder counts on
 */
public record AcquireRequest(String namespace, String name, String ownerToken, Duration leaseTime, boolean waits,
    LeaseEvents events, boolean yieldsToWaiters, boolean renews) {

  /**
   * An acquisition whose lease the client does not promise to renew.
   *
   * @param namespace the client's namespace
   * @param name the lock name
   * @param ownerToken 32 lower-case hex digits, unique to this acquisition
   * @param leaseTime how long the server keeps the lock without renewal
   * @param waits false for a single attempt
   * @param events where the backend reports what happens to the lease
   * @param yieldsToWaiters see the record's description
   */
  public AcquireRequest(String namespace, String name, String ownerToken, Duration leaseTime, boolean waits,
      LeaseEvents events, boolean yieldsToWaiters) {
    this(namespace, name, ownerToken, leaseTime, waits, events, yieldsToWaiters, false);
  }

  /**
   * An acquisition that does not yield to other clients' waiters.
   *
   * @param namespace the client's namespace
   * @param name the lock name
   * @param ownerToken 32 lower-case hex digits, unique to this acquisition
   * @param leaseTime how long the server keeps the lock without renewal
   * @param waits false for a single attempt
   * @param events where the backend reports what happens to the lease
   */
  public AcquireRequest(
      String namespace, String name, String ownerToken, Duration leaseTime, boolean waits, LeaseEvents events) {
    this(namespace, name, ownerToken, leaseTime, waits, events, false, false);
  }
}
