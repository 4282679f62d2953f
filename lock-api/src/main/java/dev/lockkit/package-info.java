/**
 * lockkit's user API: connect with {@link dev.lockkit.Locks}, name a {@link dev.lockkit.DistributedLock}
 * through a {@link dev.lockkit.LockClient}, and hold it through a {@link dev.lockkit.Lease}.
 *
 * <p>Every exception thrown by this API is unchecked and extends {@link dev.lockkit.LockException}, except
 * {@link IllegalArgumentException} and {@link IllegalStateException} for bad input and closed clients, and
 * {@link InterruptedException} where a blocking wait is interrupted.
 */
@NullMarked
package dev.lockkit;

import org.jspecify.annotations.NullMarked;
