/**
 * Fenced writes: storage that refuses a write whose fencing token ({@link dev.lockkit.Lease#fencingToken()}) is
 * not greater than the token of the last write it accepted, so that a lease holder that lost its lease without
 * knowing (a long pause, a partition) cannot overwrite what a newer holder wrote.
 *
 * <p>{@link dev.lockkit.fencing.jdbc} holds the JDBC helpers (PostgreSQL, H2), {@link dev.lockkit.fencing.redis}
 * the Redis one. Tokens are compared exactly over the whole positive {@code long} range, never as doubles:
 * Redis tokens exceed 2<sup>53</sup>. Every failure is a {@link dev.lockkit.fencing.FencingException}.
 */
@NullMarked
package dev.lockkit.fencing;

import org.jspecify.annotations.NullMarked;
