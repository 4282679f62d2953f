package dev.lockkit;

/**
 * The {@link LockClient} was closed while this call was waiting for a lock. Not a server failure and not worth
 * retrying on the same client: the application is shutting the client down. (Calling a client that is already
 * closed is a programming error and throws {@link IllegalStateException} instead.)
 */
public class LockClientClosedException extends LockException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which lock was being waited for, on which client
   */
  public LockClientClosedException(String message) {
    super(message);
  }
}
