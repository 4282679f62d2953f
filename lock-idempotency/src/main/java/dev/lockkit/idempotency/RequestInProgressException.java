package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * Another request with the same key and fingerprint holds the key's claim and has not stored an outcome: the
 * {@link DuplicatePolicy#failFast()} answer, or the {@link DuplicatePolicy#waitAtMost} answer once the wait is
 * over. Nothing ran and nothing was stored for this call; the caller may retry later (HTTP 409 with
 * {@code Retry-After}, or a message redelivered later).
 */
public class RequestInProgressException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   */
  public RequestInProgressException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public RequestInProgressException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
