package dev.lockkit.faults;

import java.util.regex.Pattern;

/**
 * One turn of a workload thread: an acquisition and, if it succeeded, the critical section and the release.
 * Times are {@link System#nanoTime()} readings of the holder's JVM; on Linux every JVM of the machine reads
 * the same monotonic clock ({@code CLOCK_MONOTONIC}), which is what lets sections of several processes be
 * compared ({@link RecordingServer} checks it when a child connects). A time that was never taken is
 * {@link #NONE}.
 *
 * @param id unique id of the turn: {@code <holder>#<n>}; the store logs its accesses under it
 * @param holder who ran it: {@code <prefix>/c<client>/t<thread>}
 * @param acquireStartNanos before {@code acquire(maxWait)} was called
 * @param acquireEndNanos after it returned or threw
 * @param acquireBoundNanos how long the call may take by its contract (its {@code maxWait})
 * @param acquired how the acquisition ended
 * @param token the lease's fencing token, or 0
 * @param validAtNanos taken just before the first {@code isValid()} after acquiring, if that returned true:
 *     a moment at which the lease was certainly held; the start of the critical section
 * @param invalidSeenAtNanos the first time the holder saw {@code isValid()} return false, or {@link #NONE}
 * @param listenerAtNanos when the lease's loss listener ran, or {@link #NONE}
 * @param closeStartNanos before {@code close()} was called: the end of the critical section, or {@link #NONE}
 * @param closeEndNanos after {@code close()} returned or threw, or {@link #NONE}
 * @param closeBoundNanos how long {@code close()} may take (the client's command timeout)
 * @param closed how {@code close()} ended
 */
public record Attempt(String id, String holder, long acquireStartNanos, long acquireEndNanos,
    long acquireBoundNanos, Acquired acquired, long token, long validAtNanos, long invalidSeenAtNanos,
    long listenerAtNanos, long closeStartNanos, long closeEndNanos, long closeBoundNanos, Closed closed) {

  /** A time that was never taken. */
  public static final long NONE = Long.MIN_VALUE;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_./#:@=+-]{1,200}");

  /** How an acquisition ended. */
  public enum Acquired {
    /** A lease was returned. */
    YES,
    /** {@code LockTimeoutException}: the lock stayed held for the whole wait. */
    TIMEOUT,
    /** {@code LockBackendException}: the server could not be reached or answered wrongly. */
    BACKEND_ERROR,
    /** The client was closed, or the thread interrupted: the run was ending. */
    STOPPED,
    /** Anything else: a bug in the library or the workload. */
    ERROR
  }

  /** How the release ended. */
  public enum Closed {
    /** Nothing was acquired, so nothing was closed. */
    NOT_HELD,
    /** Released normally. */
    OK,
    /** {@code LockLostException}: the holder was told that the lease had been lost. */
    LOST,
    /** {@code LockBackendException}: the server could not be told; the lock expires by itself. */
    BACKEND_ERROR,
    /** Anything else: a bug in the library or the workload. */
    ERROR
  }

  /** Checks the names, which travel between processes as words of a line. */
  public Attempt {
    if (!NAME.matcher(id).matches() || !NAME.matcher(holder).matches()) {
      throw new IllegalArgumentException("attempt id and holder must match " + NAME + ": " + id + ", " + holder);
    }
  }

  /**
   * Whether a lease was obtained.
   *
   * @return true if {@link #acquired()} is {@link Acquired#YES}
   */
  public boolean gotLease() {
    return acquired == Acquired.YES;
  }

  /**
   * Whether the holder began a critical section (got a lease that was valid when first checked).
   *
   * @return true if {@link #validAtNanos()} was taken
   */
  public boolean hasSection() {
    return gotLease() && validAtNanos != NONE;
  }

  /**
   * Whether the holder was told that its critical section may not have been protected: it saw
   * {@code isValid()} false, a loss listener ran before {@code close()} returned, or {@code close()} threw
   * {@code LockLostException}. A {@code close()} that threw {@code LockBackendException} does not count: it
   * says that the release was not confirmed, not that the lease had been lost, and a holder whose
   * {@code isValid()} stayed true throughout was never told that its section was unprotected.
   *
   * @return true if the holder learned of the loss
   */
  public boolean toldOfLoss() {
    boolean listenerInTime = listenerAtNanos != NONE
        && (closeEndNanos == NONE || listenerAtNanos - closeEndNanos <= 0);
    return invalidSeenAtNanos != NONE || closed == Closed.LOST || listenerInTime;
  }

  /**
   * This attempt as one line of space-separated words, for {@link #decode(String)}.
   *
   * @return the encoded attempt, without a line break
   */
  public String encode() {
    return String.join(" ", id, holder, Long.toString(acquireStartNanos), Long.toString(acquireEndNanos),
        Long.toString(acquireBoundNanos), acquired.name(), Long.toString(token), Long.toString(validAtNanos),
        Long.toString(invalidSeenAtNanos), Long.toString(listenerAtNanos), Long.toString(closeStartNanos),
        Long.toString(closeEndNanos), Long.toString(closeBoundNanos), closed.name());
  }

  /**
   * Reads what {@link #encode()} wrote.
   *
   * @param line an encoded attempt
   * @return the attempt
   * @throws IllegalArgumentException if the line is not an encoded attempt
   */
  public static Attempt decode(String line) {
    String[] w = line.split(" ");
    if (w.length != 14) {
      throw new IllegalArgumentException("an encoded attempt has 14 words, this has " + w.length + ": " + line);
    }
    try {
      return new Attempt(w[0], w[1], Long.parseLong(w[2]), Long.parseLong(w[3]), Long.parseLong(w[4]),
          Acquired.valueOf(w[5]), Long.parseLong(w[6]), Long.parseLong(w[7]), Long.parseLong(w[8]),
          Long.parseLong(w[9]), Long.parseLong(w[10]), Long.parseLong(w[11]), Long.parseLong(w[12]),
          Closed.valueOf(w[13]));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not an encoded attempt: " + line, e);
    }
  }
}
