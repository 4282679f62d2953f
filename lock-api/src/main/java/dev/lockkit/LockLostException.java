package dev.lockkit;

import org.jspecify.annotations.Nullable;

/**
 * A lease ended while its holder still believed it held the lock: it expired before a renewal was confirmed,
 * the server no longer had the holder's token, the ZooKeeper session was lost, or the client was closed under
 * it. The critical section that ran under the lease was not protected from that moment on; use the lease's
 * fencing token to have storage reject the late writes.
 */
public class LockLostException extends LockException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which lock, and why the lease ended
   * @param cause the failure behind the loss, or {@code null}
   */
  public LockLostException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
