/**
 * The in-memory backend, scheme {@code memory:}: a lock server inside the JVM with the full semantics of
 * the real ones (leases expire, fencing tokens grow, waiters are woken, loss is reported), for unit tests of
 * code that uses locks and for single-process use. {@code memory:} is the JVM's default store;
 * {@code memory:NAME} a separate named store. Every client connected to one store contends as separate
 * processes would.
 */
@NullMarked
package dev.lockkit.memory;

import org.jspecify.annotations.NullMarked;
