package dev.lockkit.idempotency.spi;

import dev.lockkit.idempotency.internal.Checks;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What {@link IdempotencyStore#claim} did: its {@link Status} and the record it found (none for {@link
 * Status#CLAIMED}). {@link #decide} is the rule every store applies; a store whose atomic step can run Java (a
 * row locked by {@code SELECT ... FOR UPDATE}, a map's {@code compute}) may call it, one that cannot (a Redis
 * script) must apply the same rule.
 */
public final class ClaimResult {

  /** The outcome of a claim. */
  public enum Status {
    /** There was no live record; an {@link RecordState#IN_PROGRESS} record under the caller's fence now exists. */
    CLAIMED,
    /**
     * There was an {@link RecordState#IN_PROGRESS} record with the same fingerprint and a smaller fence (its
     * claimer's lease ended without completing); it was replaced by an {@code IN_PROGRESS} record under the
     * caller's fence. {@link #existing()} is the replaced record.
     */
    TAKEN_OVER,
    /** A {@link RecordState#COMPLETED} record with the same fingerprint exists; nothing was written. */
    COMPLETED,
    /** A record of either state with another fingerprint exists; nothing was written. */
    FINGERPRINT_MISMATCH,
    /**
     * An {@link RecordState#IN_PROGRESS} record with the same fingerprint and a fence equal to or greater than
     * the caller's exists; nothing was written. With one lock backend this happens only to a thread that
     * re-enters its own claim (equal fence), or to a caller whose lease was already superseded (smaller fence).
     */
    IN_PROGRESS
  }

  private final Status status;
  private final @Nullable StoredRecord existing;

  private ClaimResult(Status status, @Nullable StoredRecord existing) {
    this.status = status;
    this.existing = existing;
  }

  /**
   * A claim on a key without a live record.
   *
   * @return the result {@link Status#CLAIMED}
   */
  public static ClaimResult claimed() {
    return new ClaimResult(Status.CLAIMED, null);
  }

  /**
   * A claim that found a live record.
   *
   * @param status any status but {@link Status#CLAIMED}
   * @param existing the record found (for {@link Status#TAKEN_OVER}, the one replaced)
   * @return the result
   * @throws IllegalArgumentException if an argument is null or {@code status} is {@code CLAIMED}
   */
  public static ClaimResult found(Status status, StoredRecord existing) {
    Checks.notNull(status, "status");
    Checks.notNull(existing, "existing");
    Checks.argument(status != Status.CLAIMED, "a CLAIMED result has no existing record, use claimed()");
    return new ClaimResult(status, existing);
  }

  /**
   * The rule of {@link IdempotencyStore#claim}: given the live record of the key (or none), the caller's
   * fingerprint and fence, what the claim does. A store writes {@code StoredRecord.inProgress(fingerprint,
   * fence)} exactly when the result is {@link Status#CLAIMED} or {@link Status#TAKEN_OVER}, in the same atomic
   * step in which it read {@code existing}. Fences are compared exactly as signed 64-bit integers.
   *
   * @param existing the key's live record, or null if none
   * @param fingerprint the caller's fingerprint
   * @param fence the caller's fence, positive
   * @return what the claim does
   * @throws IllegalArgumentException if {@code fingerprint} is null or {@code fence} is not positive
   */
  public static ClaimResult decide(@Nullable StoredRecord existing, String fingerprint, long fence) {
    Checks.notNull(fingerprint, "fingerprint");
    Checks.argument(fence > 0, "fence must be positive, was %s", fence);
    if (existing == null) {
      return claimed();
    }
    if (!existing.fingerprint().equals(fingerprint)) {
      return found(Status.FINGERPRINT_MISMATCH, existing);
    }
    if (existing.state() == RecordState.COMPLETED) {
      return found(Status.COMPLETED, existing);
    }
    return found(existing.fence() < fence ? Status.TAKEN_OVER : Status.IN_PROGRESS, existing);
  }

  /**
   * What the claim did.
   *
   * @return the status
   */
  public Status status() {
    return status;
  }

  /**
   * Whether the caller now holds the claim: {@link Status#CLAIMED} or {@link Status#TAKEN_OVER}.
   *
   * @return true if an {@code IN_PROGRESS} record under the caller's fence was written
   */
  public boolean isClaimed() {
    return status == Status.CLAIMED || status == Status.TAKEN_OVER;
  }

  /**
   * The record the claim found: the one replaced for {@link Status#TAKEN_OVER}, the one left as it was for the
   * statuses that write nothing.
   *
   * @return the record, or empty for {@link Status#CLAIMED}
   */
  public Optional<StoredRecord> existing() {
    return Optional.ofNullable(existing);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ClaimResult r && status == r.status && Objects.equals(existing, r.existing);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, existing);
  }

  @Override
  public String toString() {
    return existing == null ? status.toString() : status + " " + existing;
  }
}
