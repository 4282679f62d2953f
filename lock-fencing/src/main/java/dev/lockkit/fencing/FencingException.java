package dev.lockkit.fencing;

import dev.lockkit.LockException;
import org.jspecify.annotations.Nullable;

/**
 * A fenced write or read failed: the database or Redis refused the statement or could not be reached (the cause
 * is the driver's exception, and {@link #sqlState()} the SQL state where JDBC gave one), or, as the subtype
 * {@link FencedWriteRejectedException}, the storage refused the write because a newer token wrote first.
 */
public class FencingException extends LockException {
  private static final long serialVersionUID = 1L;

  /** The SQL state of a failed statement, if any. */
  private final @Nullable String sqlState;

  /**
   * Creates the exception for a failure without an SQL state (Redis, or a rejected write).
   *
   * @param message what was attempted on which table or key, and what went wrong
   * @param cause the driver's exception, or {@code null}
   */
  public FencingException(String message, @Nullable Throwable cause) {
    this(message, null, cause);
  }

  /**
   * Creates the exception for a failed SQL statement.
   *
   * @param message what was attempted on which table, and what went wrong
   * @param sqlState the five-character SQL state the driver reported, or {@code null}
   * @param cause the driver's exception, or {@code null}
   */
  public FencingException(String message, @Nullable String sqlState, @Nullable Throwable cause) {
    super(message, cause);
    this.sqlState = sqlState;
  }

  /**
   * The SQL state of the failed statement: for example {@code 40001} (serialization failure under REPEATABLE
   * READ or SERIALIZABLE), {@code 40P01} (deadlock), {@code 42P01} (no such table, PostgreSQL).
   *
   * @return the SQL state, or {@code null} for Redis failures, rejected writes and drivers that gave none
   */
  public @Nullable String sqlState() {
    return sqlState;
  }
}
