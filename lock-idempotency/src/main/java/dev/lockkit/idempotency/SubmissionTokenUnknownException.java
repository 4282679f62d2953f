package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The submission token is not one that was issued in this scope, or it expired (used or not). Nothing
 * changed.
 */
public class SubmissionTokenUnknownException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   */
  public SubmissionTokenUnknownException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public SubmissionTokenUnknownException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
