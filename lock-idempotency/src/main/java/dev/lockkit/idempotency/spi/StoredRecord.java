package dev.lockkit.idempotency.spi;

import dev.lockkit.idempotency.internal.Checks;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A record as a store keeps it: its state, the fingerprint of the request that claimed it, the fence it was
 * claimed (or taken over) under, and, once completed, the outcome. Immutable. Its expiry is the store's
 * business (see {@link IdempotencyStore}): a record a store returns is live.
 */
public final class StoredRecord {
  private final RecordState state;
  private final String fingerprint;
  private final long fence;
  private final @Nullable Outcome outcome;

  private StoredRecord(RecordState state, String fingerprint, long fence, @Nullable Outcome outcome) {
    Checks.notNull(fingerprint, "fingerprint");
    Checks.argument(fence > 0, "fence must be positive, was %s", fence);
    this.state = state;
    this.fingerprint = fingerprint;
    this.fence = fence;
    this.outcome = outcome;
  }

  /**
   * An {@link RecordState#IN_PROGRESS} record.
   *
   * @param fingerprint the claiming request's fingerprint
   * @param fence the claim's fence, positive
   * @return the record
   * @throws IllegalArgumentException if {@code fingerprint} is null or {@code fence} is not positive
   */
  public static StoredRecord inProgress(String fingerprint, long fence) {
    return new StoredRecord(RecordState.IN_PROGRESS, fingerprint, fence, null);
  }

  /**
   * A {@link RecordState#COMPLETED} record.
   *
   * @param fingerprint the claiming request's fingerprint
   * @param fence the fence of the claim that completed it, positive
   * @param outcome the stored outcome
   * @return the record
   * @throws IllegalArgumentException if {@code fingerprint} or {@code outcome} is null or {@code fence} is not
   *     positive
   */
  public static StoredRecord completed(String fingerprint, long fence, Outcome outcome) {
    Checks.notNull(outcome, "outcome");
    return new StoredRecord(RecordState.COMPLETED, fingerprint, fence, outcome);
  }

  /**
   * The record's state.
   *
   * @return the state
   */
  public RecordState state() {
    return state;
  }

  /**
   * The fingerprint of the request that claimed the key.
   *
   * @return the fingerprint, possibly empty
   */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * The fence the record was last claimed under (by {@link IdempotencyStore#claim}); a completed record keeps
   * the fence of the claim that completed it.
   *
   * @return the fence, positive
   */
  public long fence() {
    return fence;
  }

  /**
   * The outcome of a completed record.
   *
   * @return the outcome, or empty while {@link RecordState#IN_PROGRESS}
   */
  public Optional<Outcome> outcome() {
    return Optional.ofNullable(outcome);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof StoredRecord r && state == r.state && fingerprint.equals(r.fingerprint) && fence == r.fence
        && Objects.equals(outcome, r.outcome);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, fingerprint, fence, outcome);
  }

  @Override
  public String toString() {
    return "StoredRecord{" + state + ", fingerprint='" + fingerprint + "', fence=" + fence
        + (outcome != null ? ", " + outcome : "") + '}';
  }
}
