package dev.lockkit.idempotency.jdbc;

import dev.lockkit.idempotency.Claim;
import java.sql.Connection;

/**
 * An action whose database writes commit in one transaction with its stored outcome ({@link JdbcIdempotency}).
 *
 * @param <R> the result
 */
@FunctionalInterface
public interface JdbcAction<R> {
  /**
   * Runs the action's writes on {@code transaction}.
   *
   * @param claim the claim the action runs under (its key and fencing token)
   * @param transaction a connection in a READ COMMITTED transaction that also stores the outcome; the action must
   *     not commit, roll back or close it
   * @return the result, stored and replayed to duplicates; not null
   * @throws Exception any failure: the transaction rolls back, so none of the action's writes stay, and the
   *     guard's failure policy decides what is stored
   */
  R run(Claim claim, Connection transaction) throws Exception;
}
