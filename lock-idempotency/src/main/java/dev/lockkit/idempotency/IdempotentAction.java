package dev.lockkit.idempotency;

/**
 * The work an {@link IdempotencyGuard} runs at most once per key while its outcome is retained (more than once
 * only when a claim is lost: see {@link ClaimLostException}).
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface IdempotentAction<R> {

  /**
   * Does the work. Writes to other storage should carry {@link Claim#fencingToken()} and be refused there when
   * a larger token was seen, so that a claim that was taken over cannot overwrite its successor's work.
   *
   * @param claim the claim under which the action runs
   * @return the result, not null; stored through the codec and replayed to duplicates
   * @throws Exception any failure: stored and replayed if the guard's {@code storeFailures} predicate accepts
   *     it, else the claim is given up so that a retry runs the action again
   */
  R run(Claim claim) throws Exception;
}
