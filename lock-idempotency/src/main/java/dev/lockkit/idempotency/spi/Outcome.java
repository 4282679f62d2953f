package dev.lockkit.idempotency.spi;

import dev.lockkit.idempotency.internal.Checks;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The stored outcome of an action: a success with the encoded result (any bytes, empty included), or a failure
 * with the failure's type and message. Immutable; the bytes are copied in and out.
 *
 * <p>Sizes a store must hold: a success value of any length the application produces (the guard puts no bound
 * on it); a failure type of at most {@value #MAX_FAILURE_TYPE} characters and a failure message of at most
 * {@value #MAX_FAILURE_MESSAGE} characters (the guard truncates longer ones). Strings are arbitrary Unicode and
 * must round-trip exactly (UTF-8 in a store that keeps bytes); values are binary and must round-trip exactly,
 * every byte value 0 to 255 included.
 */
public final class Outcome {
  /** The longest failure type, in chars. */
  public static final int MAX_FAILURE_TYPE = 255;
  /** The longest failure message, in chars. */
  public static final int MAX_FAILURE_MESSAGE = 2000;

  private final byte @Nullable [] value;
  private final @Nullable String failureType;
  private final @Nullable String failureMessage;

  private Outcome(byte @Nullable [] value, @Nullable String failureType, @Nullable String failureMessage) {
    this.value = value;
    this.failureType = failureType;
    this.failureMessage = failureMessage;
  }

  /**
   * A success with the encoded result.
   *
   * @param value the encoded result, copied; may be empty
   * @return the outcome
   * @throws IllegalArgumentException if {@code value} is null
   */
  public static Outcome success(byte[] value) {
    Checks.notNull(value, "value");
    return new Outcome(value.clone(), null, null);
  }

  /**
   * A failure.
   *
   * @param type what failed, for the guard the exception's class name: 1 to {@value #MAX_FAILURE_TYPE} chars
   * @param message the failure's message, possibly empty, at most {@value #MAX_FAILURE_MESSAGE} chars
   * @return the outcome
   * @throws IllegalArgumentException if either is null, {@code type} is empty, or either is too long
   */
  public static Outcome failure(String type, String message) {
    Checks.notNull(type, "type");
    Checks.notNull(message, "message");
    Checks.argument(!type.isEmpty() && type.length() <= MAX_FAILURE_TYPE,
        "type must be 1 to %s characters, was %s characters", MAX_FAILURE_TYPE, type.length());
    Checks.argument(message.length() <= MAX_FAILURE_MESSAGE,
        "message must be at most %s characters, was %s characters", MAX_FAILURE_MESSAGE, message.length());
    return new Outcome(null, type, message);
  }

  /**
   * Whether this is a success.
   *
   * @return true for a success, false for a failure
   */
  public boolean isSuccess() {
    return value != null;
  }

  /**
   * The encoded result of a success.
   *
   * @return a copy of the bytes
   * @throws IllegalStateException if this is a failure
   */
  public byte[] value() {
    if (value == null) {
      throw new IllegalStateException("a failure has no value: " + this);
    }
    return value.clone();
  }

  /**
   * The type of a failure.
   *
   * @return the type
   * @throws IllegalStateException if this is a success
   */
  public String failureType() {
    if (failureType == null) {
      throw new IllegalStateException("a success has no failure type");
    }
    return failureType;
  }

  /**
   * The message of a failure.
   *
   * @return the message, possibly empty
   * @throws IllegalStateException if this is a success
   */
  public String failureMessage() {
    if (failureMessage == null) {
      throw new IllegalStateException("a success has no failure message");
    }
    return failureMessage;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Outcome other && Arrays.equals(value, other.value)
        && Objects.equals(failureType, other.failureType) && Objects.equals(failureMessage, other.failureMessage);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(value) + Objects.hash(failureType, failureMessage);
  }

  @Override
  public String toString() {
    return value != null ? "success(" + value.length + " bytes)" : "failure(" + failureType + ": " + failureMessage
        + ")";
  }
}
