package dev.lockkit.faults;

/**
 * A stretch of time in which a fault froze some holders (a stalled client, a stopped process). The checker
 * does not count the frozen time against the bounds of their operations: a call that was frozen is slow
 * because its caller was, not because the library hung.
 *
 * @param holderPrefix the holders it froze: every holder whose name starts with this
 * @param startNanos when the freeze began ({@link System#nanoTime()})
 * @param endNanos when it ended
 */
public record Pause(String holderPrefix, long startNanos, long endNanos) {

  /** Checks the interval and the prefix, which travels between processes as one word. */
  public Pause {
    if (holderPrefix.isEmpty() || holderPrefix.contains(" ")) {
      throw new IllegalArgumentException("holderPrefix must be one non-empty word, was '" + holderPrefix + "'");
    }
    if (endNanos - startNanos < 0) {
      throw new IllegalArgumentException("a pause cannot end before it starts");
    }
  }

  /**
   * Whether this pause froze the holder.
   *
   * @param holder a holder name
   * @return true if the holder's name starts with the prefix
   */
  public boolean froze(String holder) {
    return holder.startsWith(holderPrefix);
  }

  /**
   * How much of {@code [from, to]} this pause covers.
   *
   * @param from start of the interval
   * @param to end of the interval
   * @return the overlap in nanoseconds, 0 if none
   */
  public long overlapNanos(long from, long to) {
    long start = startNanos - from > 0 ? startNanos : from;
    long end = endNanos - to < 0 ? endNanos : to;
    return Math.max(0, end - start);
  }
}
