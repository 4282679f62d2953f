package dev.lockkit.jmh.probes;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a set of nanosecond durations, printed in microseconds. */
final class Percentiles {
  private final long[] sorted;

  Percentiles(long[] nanos) {
    this.sorted = nanos.clone();
    Arrays.sort(sorted);
  }

  long at(double percentile) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  int count() {
    return sorted.length;
  }

  static String micros(long nanos) {
    return String.format(Locale.ROOT, "%,.0f µs", nanos / 1000.0);
  }
}
