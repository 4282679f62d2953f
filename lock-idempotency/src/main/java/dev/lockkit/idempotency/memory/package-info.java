/**
 * An idempotency store in the JVM's memory, {@link dev.lockkit.idempotency.memory.MemoryIdempotencyStore}: for
 * applications' tests, and for one process with lockkit's {@code memory:} backend.
 */
@NullMarked
package dev.lockkit.idempotency.memory;

import org.jspecify.annotations.NullMarked;
