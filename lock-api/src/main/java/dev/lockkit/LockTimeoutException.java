package dev.lockkit;

/**
 * An acquisition gave up because the lock stayed held by someone else for the whole allowed wait. Nothing is
 * left behind on the server when this is thrown: a late success is released.
 */
public class LockTimeoutException extends LockException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which lock and how long was waited
   */
  public LockTimeoutException(String message) {
    super(message);
  }
}
