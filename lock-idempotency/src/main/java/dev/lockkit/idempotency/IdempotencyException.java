package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * Base type of the failures of an {@link IdempotencyGuard} and of {@link SubmissionTokens}. Unchecked, and a
 * {@link dev.lockkit.LockException}, so that code catching lockkit failures catches these too.
 */
public class IdempotencyException extends dev.lockkit.LockException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   */
  public IdempotencyException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public IdempotencyException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
