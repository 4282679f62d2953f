/**
 * An idempotency guard on lockkit leases: {@link dev.lockkit.idempotency.IdempotencyGuard} runs an action at
 * most once per {@link dev.lockkit.idempotency.IdempotencyKey} and replays its stored outcome to duplicates;
 * {@link dev.lockkit.idempotency.SubmissionTokens} are one-shot tokens for forms.
 *
 * <p>Vocabulary: a request's <em>claim</em> on a key is a lockkit lease on the key's lock together with an
 * in-progress record in the store under the lease's fencing token; the <em>outcome</em> is the action's result
 * or stored failure; a <em>fenced write</em> stores it only while the record is still under that token; a
 * <em>takeover</em> is a later request claiming a key whose earlier claim ended without an outcome; the
 * <em>fingerprint</em> tells a duplicate of a request from another request reusing its key. Stores implement
 * {@link dev.lockkit.idempotency.spi.IdempotencyStore}.
 */
@NullMarked
package dev.lockkit.idempotency;

import org.jspecify.annotations.NullMarked;
