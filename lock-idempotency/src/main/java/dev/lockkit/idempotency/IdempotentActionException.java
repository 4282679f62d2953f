package dev.lockkit.idempotency;

/**
 * A checked exception thrown by an {@link IdempotentAction}, wrapped so that {@link IdempotencyGuard#execute}
 * stays free of {@code throws Exception}; the {@linkplain #getCause() cause} is the action's exception.
 * Unchecked exceptions and errors of the action pass through unwrapped, and an {@link InterruptedException} is
 * rethrown as itself.
 */
public class IdempotentActionException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   * @param cause the action's checked exception
   */
  public IdempotentActionException(String message, Exception cause) {
    super(message, cause);
  }
}
