package dev.lockkit;

import org.jspecify.annotations.Nullable;

/**
 * The lock server could not be reached within the command timeout, refused the client (authentication,
 * wrong deployment type), or answered something the backend did not expect. The cause carries the driver's
 * own exception.
 */
public class LockBackendException extends LockException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was attempted against which server
   * @param cause the driver's exception, or {@code null}
   */
  public LockBackendException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
