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
 */
public record AcquireRequest(
    String namespace, String name, String ownerToken, Duration leaseTime, boolean waits, LeaseEvents events) {}
