package dev.lockkit.idempotency;

import dev.lockkit.idempotency.internal.Checks;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a request does when another request with the same key holds the claim: wait (bounded) for its outcome,
 * or fail fast with {@link RequestInProgressException}.
 */
public final class DuplicatePolicy {
  private static final DuplicatePolicy FAIL_FAST = new DuplicatePolicy(null);

  private final @Nullable Duration maxWait;

  private DuplicatePolicy(@Nullable Duration maxWait) {
    this.maxWait = maxWait;
  }

  /**
   * Wait for the claim's holder to finish, at most {@code maxWait}, then replay its outcome (or, if it gave the
   * claim up, claim the key and run the action); {@link RequestInProgressException} once the wait is over.
   *
   * @param maxWait the longest wait, positive
   * @return the policy
   * @throws IllegalArgumentException if {@code maxWait} is null, zero or negative
   */
  public static DuplicatePolicy waitAtMost(Duration maxWait) {
    Checks.notNull(maxWait, "maxWait");
    Checks.argument(!maxWait.isNegative() && !maxWait.isZero(), "maxWait must be positive, was %s", maxWait);
    return new DuplicatePolicy(maxWait);
  }

  /**
   * Do not wait: {@link RequestInProgressException} at once while another request holds the claim.
   *
   * @return the policy
   */
  public static DuplicatePolicy failFast() {
    return FAIL_FAST;
  }

  /**
   * The longest wait.
   *
   * @return the wait, or empty for {@link #failFast()}
   */
  public Optional<Duration> maxWait() {
    return Optional.ofNullable(maxWait);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof DuplicatePolicy p && java.util.Objects.equals(maxWait, p.maxWait);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(maxWait);
  }

  @Override
  public String toString() {
    return maxWait == null ? "failFast" : "waitAtMost(" + maxWait + ")";
  }
}
