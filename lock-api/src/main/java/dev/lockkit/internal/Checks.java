package dev.lockkit.internal;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Argument and state checks that name what was wrong. Not API. */
public final class Checks {
  private Checks() {}

  /** Throws {@link IllegalArgumentException} with the formatted message unless {@code ok}. */
  public static void argument(boolean ok, String format, @Nullable Object... args) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  /** Throws {@link IllegalStateException} with the formatted message unless {@code ok}. */
  public static void state(boolean ok, String format, @Nullable Object... args) {
    if (!ok) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  /** Returns {@code value}, or throws {@link IllegalArgumentException} naming {@code what} if null. */
  public static <T> T notNull(@Nullable T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    return value;
  }

  /** Checks that a duration is non-null and strictly positive. */
  public static Duration positive(@Nullable Duration d, String what) {
    notNull(d, what);
    argument(!d.isNegative() && !d.isZero(), "%s must be positive, was %s", what, d);
    return d;
  }

  /** Checks that a duration is non-null and not negative. */
  public static Duration notNegative(@Nullable Duration d, String what) {
    notNull(d, what);
    argument(!d.isNegative(), "%s must not be negative, was %s", what, d);
    return d;
  }

  /** Converts to nanoseconds, saturating at {@link Long#MAX_VALUE} instead of overflowing. */
  public static long toNanosSaturated(Duration d) {
    if (d.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L) {
      return Long.MAX_VALUE;
    }
    return d.toNanos();
  }

}
