package dev.lockkit.idempotency.jdbc;

import dev.lockkit.idempotency.ClaimLostException;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.OutcomeCodec;
import dev.lockkit.idempotency.internal.Checks;
import dev.lockkit.idempotency.spi.Outcome;

/**
 * Exactly-once effects in one database: an {@link IdempotencyGuard} on a {@link JdbcIdempotencyStore} whose
 * action writes in the same transaction that stores its outcome.
 *
 * <p>With a plain {@link IdempotencyGuard#execute}, a request that did its writes and then paused past its lease
 * before its outcome was stored leaves a claim that the next duplicate takes over, and runs again: the effect
 * happens twice (the late outcome is refused, but the late writes were done). Here the claim's record row is
 * locked first, checked to be {@code IN_PROGRESS} under this claim's fencing token, then the action writes and the
 * outcome is stored, and all of it commits together:
 *
 * <ul>
 *   <li>paused before the transaction: the takeover's claim raised the fence, so the check fails, nothing is
 *       written, and the caller gets {@link ClaimLostException};
 *   <li>paused inside it: the takeover's claim waits for the row lock; the paused transaction either commits
 *       (effects and outcome: the takeover finds the outcome and replays it) or rolls back when its connection is
 *       lost (nothing: the takeover runs the action once);
 *   <li>paused after the commit: the outcome is stored with the effects; duplicates replay it.
 * </ul>
 *
 * <pre>{@code
 * JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(dataSource).build();
 * JdbcIdempotency payments = JdbcIdempotency.of(IdempotencyGuard.builder(locks, store).build(), store);
 * String receipt = payments.execute(IdempotencyKey.of(clientId, key), Fingerprints.sha256(body),
 *     OutcomeCodec.utf8(), (claim, tx) -> charges.insert(tx, order, claim.fencingToken()));
 * }</pre>
 *
 * <p>A failure of the action rolls the transaction back; the guard then stores it (its {@code storeFailures}) or
 * gives the claim up for a retry, as {@link IdempotencyGuard#execute} does.
 */
public final class JdbcIdempotency {
  private final IdempotencyGuard guard;
  private final JdbcIdempotencyStore store;

  private JdbcIdempotency(IdempotencyGuard guard, JdbcIdempotencyStore store) {
    this.guard = guard;
    this.store = store;
  }

  /**
   * Transactional execution on a guard and the store it was built with.
   *
   * @param guard the guard; its store must be {@code store}
   * @param store the JDBC store the guard keeps its records in; the action's connections come from its data source
   * @return the transactional executor
   * @throws IllegalArgumentException if an argument is null or the guard keeps its records elsewhere
   */
  public static JdbcIdempotency of(IdempotencyGuard guard, JdbcIdempotencyStore store) {
    Checks.notNull(guard, "guard");
    Checks.notNull(store, "store");
    Checks.argument(guard.store() == store, "guard must be built on this store (its records must be in the "
        + "database of the action's transaction), but it keeps them in %s", guard.store());
    return new JdbcIdempotency(guard, store);
  }

  /**
   * Runs {@code action} once for {@code key}, in one transaction with its stored outcome, as described above;
   * otherwise as {@link IdempotencyGuard#execute(IdempotencyKey, String, OutcomeCodec,
   * dev.lockkit.idempotency.IdempotentAction)} (duplicates, fingerprints, failures, takeover).
   *
   * @param key the request's key
   * @param fingerprint the request's fingerprint
   * @param codec stores and replays the result
   * @param action the action
   * @param <R> the result
   * @return the action's result, or the stored result of an earlier request with the key
   * @throws InterruptedException if interrupted while waiting for the lock or in the action
   * @throws ClaimLostException if a newer request took the claim over before this one's transaction
   */
  public <R> R execute(IdempotencyKey key, String fingerprint, OutcomeCodec<R> codec, JdbcAction<R> action)
      throws InterruptedException {
    Checks.notNull(codec, "codec");
    Checks.notNull(action, "action");
    return guard.execute(key, fingerprint, codec, claim -> {
      try {
        return store.completeWithin(key.storeKey(), claim.fencingToken(), guard.retention(), tx -> {
          R result;
          try {
            result = action.run(claim, tx);
          } catch (Exception e) {
            throw new ActionFailed(e);
          }
          Checks.state(result != null, "The action of request %s returned null; return a value the codec encodes",
              key);
          return new JdbcIdempotencyStore.Done<>(result, Outcome.success(codec.encode(result)));
        }, () -> new ClaimLostException("Request " + key + " was taken over by a newer request before its "
            + "transaction under token " + claim.fencingToken() + " began; nothing was written", claim.fencingToken(),
            null, null));
      } catch (ActionFailed e) {
        throw e.action;
      }
    });
  }

  @Override
  public String toString() {
    return "JdbcIdempotency{" + guard + '}';
  }

  /** Carries the action's own failure out of the store's transaction, past its SQL error handling. */
  private static final class ActionFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Exception action;

    ActionFailed(Exception action) {
      super(null, null, false, false);
      this.action = action;
    }
  }
}
