package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The store could not be reached, or answered wrongly. Thrown by {@link
 * dev.lockkit.idempotency.spi.IdempotencyStore} implementations, with the driver's exception as the cause.
 * The call may or may not have taken effect on the store.
 */
public class IdempotencyStoreException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   */
  public IdempotencyStoreException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public IdempotencyStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
