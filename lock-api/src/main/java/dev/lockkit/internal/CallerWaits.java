package dev.lockkit.internal;

import java.util.function.Supplier;

/**
 * Marks the backend calls whose caller blocks for the outcome and for nothing else, with the whole command
 * timeout to wait: the first try of a blocking or single acquisition, the release a {@code close()} waits for,
 * the confirmation before a local hand-off. While the core makes such a call, {@link #now()} is true on the
 * calling thread. A backend whose driver blocks (Jedis) may then send the command on that thread, bounded by
 * the command timeout as on its own threads, instead of handing it to a thread of its own and waiting for that
 * thread to hand the answer back: two thread switches a command, four a lock cycle, which on a small machine
 * cost more CPU than the commands themselves. A backend whose replies arrive on a shared I/O thread (Lettuce)
 * may wait for the reply on the calling thread, so that the work that follows it runs there and not on the one
 * thread every caller's replies pass through. Anything else (a re-try woken by a release, a renewal, a release
 * nobody waits for) runs where it ran. Shared with the backends; not API.
 */
public final class CallerWaits {
  private static final ThreadLocal<boolean[]> MARK = ThreadLocal.withInitial(() -> new boolean[1]);

  private CallerWaits() {}

  /**
   * Whether the calling thread is inside a call its caller blocks for.
   *
   * @return true inside {@link #during}
   */
  public static boolean now() {
    return MARK.get()[0];
  }

  /**
   * Runs {@code call} marked if the caller may wait the whole command timeout for it, else unmarked: a blocking
   * driver bounds a command it sends on the caller's thread by the command timeout, which must not overrun a
   * shorter wait of the caller (a release past which the lease has ended anyway).
   */
  static <T> T during(long waitNanos, long commandTimeoutNanos, Supplier<T> call) {
    return waitNanos >= commandTimeoutNanos ? during(call) : call.get();
  }

  /** Runs {@code call} marked: {@link #now()} is true on this thread until it returns (unless it was already). */
  static <T> T during(Supplier<T> call) {
    boolean[] mark = MARK.get();
    if (mark[0]) {
      return call.get();
    }
    mark[0] = true;
    try {
      return call.get();
    } finally {
      mark[0] = false;
    }
  }
}
