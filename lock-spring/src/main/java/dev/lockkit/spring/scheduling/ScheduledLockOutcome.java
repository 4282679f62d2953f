package dev.lockkit.spring.scheduling;

import java.util.Locale;

/** How one call of a {@link ScheduledLock} method ended: each call has exactly one outcome. */
public enum ScheduledLockOutcome {
  /** The lock was taken, the method returned normally and its lease was held until the end. */
  RAN,

  /** Another holder had the lock (another node running the job, or its minimum hold): the method was not run. */
  SKIPPED,

  /**
   * The method ran, but its lease was lost before the run ended (renewal failed until the lease time ran out, the
   * server lost the lock, the client closed): another node may have run the job meanwhile. Counted so whether the
   * method returned or threw; logged at WARN.
   */
  LOST,

  /**
   * The method threw (with its lease held throughout), or the lock could not be asked for (the server did not
   * answer, the client is closed); the exception propagated to the caller.
   */
  FAILED;

  /**
   * The outcome's name in metrics: {@code ran}, {@code skipped}, {@code lost} or {@code failed}.
   *
   * @return the lower-case name
   */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
