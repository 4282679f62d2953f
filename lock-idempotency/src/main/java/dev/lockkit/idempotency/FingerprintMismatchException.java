package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The key was used before, by a request with another fingerprint: the client reused a key for a different
 * request (HTTP 422). Nothing ran and nothing was written; the earlier request's record is untouched.
 */
public class FingerprintMismatchException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   */
  public FingerprintMismatchException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public FingerprintMismatchException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
