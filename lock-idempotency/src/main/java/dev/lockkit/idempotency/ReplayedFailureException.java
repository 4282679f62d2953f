package dev.lockkit.idempotency;

/**
 * The replay of a stored failure: an earlier request with this key failed with an exception that the guard was
 * told to store ({@link IdempotencyGuard.Builder#storeFailures}), and every later request gets this instead of
 * running the action again. The original exception is not kept, only its class name and message.
 */
public class ReplayedFailureException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /** The stored failure's type. */
  private final String failureType;
  /** The stored failure's message. */
  private final String failureMessage;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   * @param failureType the stored failure's type (the original exception's class name)
   * @param failureMessage the stored failure's message, possibly empty
   */
  public ReplayedFailureException(String message, String failureType, String failureMessage) {
    super(message);
    this.failureType = failureType;
    this.failureMessage = failureMessage;
  }

  /**
   * The stored failure's type: the class name of the exception the first request's action threw.
   *
   * @return the type
   */
  public String failureType() {
    return failureType;
  }

  /**
   * The stored failure's message: that exception's message, empty if it had none, truncated to {@value
   * dev.lockkit.idempotency.spi.Outcome#MAX_FAILURE_MESSAGE} chars.
   *
   * @return the message
   */
  public String failureMessage() {
    return failureMessage;
  }
}
