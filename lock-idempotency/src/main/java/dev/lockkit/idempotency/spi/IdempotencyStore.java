package dev.lockkit.idempotency.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * Where an {@link dev.lockkit.idempotency.IdempotencyGuard} keeps its records and {@link
 * dev.lockkit.idempotency.SubmissionTokens} its tokens. Every method is one atomic step on one key: no other
 * call on that key, from any process, sees a state between its read and its write. Implementations are
 * thread-safe.
 *
 * <p><b>Keys.</b> A key is the string {@link dev.lockkit.idempotency.IdempotencyKey#storeKey()} makes from a
 * scope and a key: at most {@value dev.lockkit.idempotency.IdempotencyKey#MAX_STORE_KEY_LENGTH} chars (at most
 * {@value dev.lockkit.idempotency.IdempotencyKey#MAX_STORE_KEY_UTF8_BYTES} bytes in UTF-8), arbitrary Unicode
 * without control characters or unpaired surrogates. Stores compare keys exactly (binary: no case folding, no
 * Unicode normalisation, no trimming). Records and tokens are two separate key spaces: a token never reads or
 * writes the record of an equal key.
 *
 * <p><b>Fences</b> are lockkit fencing tokens: positive {@code long}s, compared exactly over the whole range up
 * to {@link Long#MAX_VALUE}. Redis tokens exceed 2^53, so a store must never pass a fence through a
 * floating-point number (Lua numbers, JSON numbers in some parsers, JavaScript): 9007199254740993 and
 * 9007199254740992 are different fences. A Redis store keeps them as decimal strings and compares them in its
 * script by length, then lexicographically; a SQL store uses a {@code BIGINT} column.
 *
 * <p><b>Expiry.</b> Every write carries a time to live, a positive duration. A record or token expires once
 * that time has passed since the write that last set it (a {@link #claim} that writes, a {@link #complete}, an
 * {@link #issueToken}; {@link #consumeToken} keeps the token's expiry). From then on every method behaves as if
 * it were absent; before then every method sees it. Stores measure with their server's clock (Redis'
 * {@code PX}, the database's current timestamp), not the caller's, and may round up to a millisecond; they may
 * remove expired entries at any later time, lazily or in the background.
 *
 * <p><b>Failures.</b> A call that cannot reach its server within the store's timeout throws {@link
 * dev.lockkit.idempotency.IdempotencyStoreException}; it may or may not have taken effect. Arguments are
 * checked by the callers in this module; a store may check them again and throw {@link
 * IllegalArgumentException}.
 */
public interface IdempotencyStore {

  /**
   * Claims {@code key} for the caller holding the lease with fencing token {@code fence}, by the rule of
   * {@link ClaimResult#decide}: if there is no live record, writes {@code IN_PROGRESS(fingerprint, fence)};
   * if there is an {@code IN_PROGRESS} record with the same fingerprint and a smaller fence, replaces it so
   * (a takeover); in every other case writes nothing. A write sets the record's time to live to {@code ttl}.
   *
   * @param key the store key
   * @param fingerprint the request's fingerprint; compared with the record's exactly
   * @param fence the fencing token of the caller's lease, positive
   * @param ttl how long the written record lives unless completed or abandoned first, positive
   * @return what was found and done
   * @throws dev.lockkit.idempotency.IdempotencyStoreException if the store cannot be reached
   */
  ClaimResult claim(String key, String fingerprint, long fence, Duration ttl);

  /**
   * Stores the outcome of the claim under {@code fence}: a fenced write. If the live record of {@code key} is
   * {@code IN_PROGRESS} with a fence exactly equal to {@code fence}, replaces it with {@code COMPLETED} (same
   * fingerprint, same fence, {@code outcome}) living {@code retention} from now, and returns true. If it is
   * {@code COMPLETED} already under exactly {@code fence}, writes nothing and returns true: this claim's outcome
   * is stored (a retried call whose first answer was lost, or an outcome committed in the action's own
   * transaction, as {@link dev.lockkit.idempotency.jdbc.JdbcIdempotency} does). Otherwise (no live record,
   * another fence: the claim was taken over or expired) writes nothing and returns false.
   *
   * @param key the store key
   * @param fence the fence the caller claimed under, positive
   * @param outcome the outcome to store
   * @param retention how long the completed record is replayed, positive
   * @return true if this claim's outcome is stored, false if the caller no longer holds the claim
   * @throws dev.lockkit.idempotency.IdempotencyStoreException if the store cannot be reached
   */
  boolean complete(String key, long fence, Outcome outcome, Duration retention);

  /**
   * Gives up the claim under {@code fence}, so that the next request with the key runs its action: if the live
   * record of {@code key} is {@code IN_PROGRESS} with a fence exactly equal to {@code fence}, deletes it and
   * returns true; otherwise writes nothing and returns false.
   *
   * @param key the store key
   * @param fence the fence the caller claimed under, positive
   * @return true if deleted, false if the caller no longer holds the claim
   * @throws dev.lockkit.idempotency.IdempotencyStoreException if the store cannot be reached
   */
  boolean abandon(String key, long fence);

  /**
   * Reads the live record of {@code key}, in either state. Writes nothing.
   *
   * @param key the store key
   * @return the record, or empty if there is none or it expired
   * @throws dev.lockkit.idempotency.IdempotencyStoreException if the store cannot be reached
   */
  Optional<StoredRecord> find(String key);

  /**
   * Creates an unused submission token {@code key} living {@code ttl} from now, if no live token of that key
   * exists; otherwise writes nothing.
   *
   * @param key the store key of the token
   * @param ttl how long the token lives, used or not, positive
   * @return true if created, false if a live token of that key exists already
   * @throws dev.lockkit.idempotency.IdempotencyStoreException if the store cannot be reached
   */
  boolean issueToken(String key, Duration ttl);

  /**
   * Consumes the submission token {@code key}: if it is live and unused, marks it used (keeping its expiry, so
   * that a replay is recognised until then) and returns {@link ConsumeResult#CONSUMED}; of any number of
   * concurrent calls on one token exactly one gets that. A live used token gives {@link
   * ConsumeResult#ALREADY_USED}, no live token {@link ConsumeResult#UNKNOWN}; neither writes.
   *
   * @param key the store key of the token
   * @return what was found
   * @throws dev.lockkit.idempotency.IdempotencyStoreException if the store cannot be reached
   */
  ConsumeResult consumeToken(String key);
}
