package dev.lockkit.jmh;

import java.util.Collection;
import java.util.Locale;

/**
 * What one thread of the cross-process workload saw: how many times it acquired the lock and its longest
 * wait to acquire. Written by its thread only, read by another once that thread has stopped.
 *
 * <p>{@link #summary(Collection)} is the format of both halves of a line of {@code cross-process.txt}
 * ({@link CrossProcessBenchmark} for the benchmark's JVM, {@link Rival} for the other), which the report reads
 * back: {@code threads=4 acquisitions=1234 maxWaitMs=12.345}.
 */
public final class Waits {
  // volatile: the writer is the thread itself, the reader the one that summarises after it stopped
  private volatile long acquisitions;
  private volatile long maxWaitNanos;

  /** A thread that has not acquired yet. */
  public Waits() {}

  /**
   * Counts one acquisition. Call only from the thread this instance belongs to.
   *
   * @param waitNanos how long that thread waited for it
   */
  public void acquired(long waitNanos) {
    acquisitions = acquisitions + 1; // one writer: no lost update
    if (waitNanos > maxWaitNanos) {
      maxWaitNanos = waitNanos;
    }
  }

  /**
   * How many threads, their acquisitions in all and the longest wait any of them had, as
   * {@code threads=N acquisitions=N maxWaitMs=X.XXX}.
   *
   * @param threads one instance per thread, all stopped
   * @return the summary
   */
  public static String summary(Collection<Waits> threads) {
    long total = 0;
    long max = 0;
    for (Waits w : threads) {
      total += w.acquisitions;
      max = Math.max(max, w.maxWaitNanos);
    }
    return String.format(Locale.ROOT, "threads=%d acquisitions=%d maxWaitMs=%.3f", threads.size(), total,
        max / 1e6);
  }
}
