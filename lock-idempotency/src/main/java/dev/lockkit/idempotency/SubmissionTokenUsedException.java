package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The submission token was consumed before: the form was submitted already, and this is a replay. Nothing
 * changed.
 */
public class SubmissionTokenUsedException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   */
  public SubmissionTokenUsedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public SubmissionTokenUsedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
