package dev.lockkit.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The action ran, but its outcome was not stored: by the time it finished, its claim was no longer the key's
 * current one (its lease ended, a duplicate took the claim over under a larger fencing token, and the store's
 * fenced write refused the late outcome so that it cannot overwrite the newer claim's). The outcome that counts
 * for the key is the newer claim's, replayed to later requests; whatever this action did outside the store
 * must be reconciled by the caller (its own writes should have been fenced with {@link Claim#fencingToken()},
 * in which case storage refused them too).
 *
 * <p>The action's result or failure is kept: {@link #result()} for a success (in this JVM only: it is not
 * serialized), the {@linkplain #getCause() cause} for a failure that was to be stored.
 */
public class ClaimLostException extends IdempotencyException {
  private static final long serialVersionUID = 1L;

  /** The token of the lost claim. */
  private final long fencingToken;
  private final transient @Nullable Object result;

  /**
   * Creates the exception.
   *
   * @param message what happened, for humans
   * @param fencingToken the token of the lost claim
   * @param result the action's result, or null if it failed
   * @param cause the action's failure, or null if it succeeded
   */
  public ClaimLostException(String message, long fencingToken, @Nullable Object result,
      @Nullable Throwable cause) {
    super(message, cause);
    this.fencingToken = fencingToken;
    this.result = result;
  }

  /**
   * The fencing token of the claim that was lost.
   *
   * @return the token
   */
  public long fencingToken() {
    return fencingToken;
  }

  /**
   * The result the action returned, which was not stored.
   *
   * @return the result, or null if the action failed (see the cause) or this exception was deserialized
   */
  public @Nullable Object result() {
    return result;
  }
}
