package dev.lockkit.idempotency.internal;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Argument and state checks that name what was wrong. Not API. */
public final class Checks {
  private Checks() {}

  /**
   * Throws {@link IllegalArgumentException} with the formatted message unless {@code ok}.
   *
   * @param ok the condition
   * @param format the message format
   * @param args the message arguments
   * @throws IllegalArgumentException unless {@code ok}
   */
  public static void argument(boolean ok, String format, @Nullable Object... args) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  /**
   * Throws {@link IllegalStateException} with the formatted message unless {@code ok}.
   *
   * @param ok the condition
   * @param format the message format
   * @param args the message arguments
   * @throws IllegalStateException unless {@code ok}
   */
  public static void state(boolean ok, String format, @Nullable Object... args) {
    if (!ok) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  /**
   * Returns {@code value} unless it is null.
   *
   * @param <T> the type
   * @param value the value
   * @param what the argument's name
   * @return {@code value}
   * @throws IllegalArgumentException naming {@code what} if null
   */
  public static <T> T notNull(@Nullable T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    return value;
  }

  /**
   * Checks that a duration is at least one millisecond (stores keep times to the millisecond).
   *
   * @param d the duration
   * @param what the argument's name
   * @return {@code d}
   * @throws IllegalArgumentException naming {@code what} if null or shorter than 1 ms
   */
  public static Duration atLeastOneMilli(@Nullable Duration d, String what) {
    notNull(d, what);
    argument(d.compareTo(Duration.ofMillis(1)) >= 0, "%s must be at least 1 ms, was %s", what, d);
    return d;
  }

  /**
   * Checks a string's length, and that it has no control character and no unpaired surrogate (which UTF-8
   * cannot encode, so that two such strings could meet as one key in a store that keeps bytes).
   *
   * @param s the string
   * @param what the argument's name
   * @param min the fewest chars allowed
   * @param max the most chars allowed
   * @return {@code s}
   * @throws IllegalArgumentException naming {@code what} and the rule it broke
   */
  public static String text(@Nullable String s, String what, int min, int max) {
    notNull(s, what);
    argument(s.length() >= min && s.length() <= max, "%s must be %s to %s characters, was %s characters", what,
        min, max, s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      argument(!Character.isISOControl(c), "%s must not contain control characters, found U+%04X at index %s",
          what, (int) c, i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else {
        argument(!Character.isSurrogate(c),
            "%s must be well-formed UTF-16 (no unpaired surrogate), found U+%04X at index %s", what, (int) c, i);
      }
    }
    return s;
  }
}
