package dev.lockkit.idempotency;

import dev.lockkit.idempotency.spi.Outcome;

/** Stored failures: what of an exception is kept, within the sizes {@link Outcome} allows. */
final class Failures {
  private Failures() {}

  /** The outcome that stores {@code e}: its class name and message (empty if none), truncated to fit. */
  static Outcome outcomeOf(Exception e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    return Outcome.failure(truncate(e.getClass().getName(), Outcome.MAX_FAILURE_TYPE),
        truncate(message, Outcome.MAX_FAILURE_MESSAGE));
  }

  /**
   * Cuts {@code s} to at most {@code max} chars without splitting a surrogate pair, and drops unpaired
   * surrogates, which UTF-8 cannot carry (a store keeping bytes would not give back what was stored).
   */
  static String truncate(String s, int max) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        if (b.length() + 2 > max) {
          break;
        }
        b.append(c).append(s.charAt(++i));
      } else if (!Character.isSurrogate(c)) {
        if (b.length() + 1 > max) {
          break;
        }
        b.append(c);
      }
    }
    return b.toString();
  }
}
