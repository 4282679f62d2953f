package dev.lockkit.faults;

import java.time.Duration;

/**
 * Switches between the short fault runs of every build and the full ones. The full suite runs when the
 * system property {@value #LONG_PROPERTY} is {@code true} (the Maven profile {@code faults} sets it); the
 * short one keeps each run to a few seconds so that {@code verify} stays quick.
 */
public final class FaultSuite {
  /** The system property that turns on the full runs. */
  public static final String LONG_PROPERTY = "lockkit.faults.long";

  /** The grace the checker allows a call beyond its bound on a busy 2-core machine. */
  public static final Duration GRACE = Duration.ofSeconds(2);

  private FaultSuite() {}

  /**
   * Whether the full suite was asked for.
   *
   * @return true if {@value #LONG_PROPERTY} is {@code true}
   */
  public static boolean longRun() {
    return Boolean.getBoolean(LONG_PROPERTY);
  }

  /**
   * Picks a length.
   *
   * @param quick the length in the build's short run
   * @param full the length in the full run
   * @return {@code full} if {@link #longRun()}, else {@code quick}
   */
  public static Duration pick(Duration quick, Duration full) {
    return longRun() ? full : quick;
  }

  /**
   * Picks a count.
   *
   * @param quick the count in the build's short run
   * @param full the count in the full run
   * @return {@code full} if {@link #longRun()}, else {@code quick}
   */
  public static int pick(int quick, int full) {
    return longRun() ? full : quick;
  }
}
