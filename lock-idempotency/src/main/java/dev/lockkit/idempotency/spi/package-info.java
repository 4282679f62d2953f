/**
 * What an idempotency store implements: {@link dev.lockkit.idempotency.spi.IdempotencyStore}, six atomic
 * operations on records and submission tokens, and the values they exchange. A store is checked by the
 * contract suite in this module's test-jar ({@code dev.lockkit.idempotency.contract.IdempotencyStoreContract}
 * and {@code IdempotencyGuardContract}).
 *
 * <p>Vocabulary: a <em>record</em> is what a store keeps per key: {@link
 * dev.lockkit.idempotency.spi.RecordState#IN_PROGRESS} while a request holds the key's claim, {@link
 * dev.lockkit.idempotency.spi.RecordState#COMPLETED} once its {@link dev.lockkit.idempotency.spi.Outcome} is
 * stored. Its <em>fence</em> is the fencing token of the lockkit lease under which it was claimed. A
 * <em>token</em> is a one-shot submission token, kept apart from records.
 */
@NullMarked
package dev.lockkit.idempotency.spi;

import org.jspecify.annotations.NullMarked;
