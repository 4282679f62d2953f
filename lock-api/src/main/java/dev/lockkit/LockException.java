package dev.lockkit;

import org.jspecify.annotations.Nullable;

/**
 * Base type of every failure of a lock operation. Unchecked: a caller that cannot act on a particular failure
 * lets it propagate; one that can catches the subtype it cares about.
 */
public class LockException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message and an optional cause.
   *
   * @param message what failed, for humans
   * @param cause the underlying failure, or {@code null}
   */
  public LockException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception with a message only.
   *
   * @param message what failed, for humans
   */
  public LockException(String message) {
    super(message);
  }
}
