package dev.lockkit.internal;

import dev.lockkit.LockOptions;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What an acquisition asks of the holding it makes: the lock's options (the client's, or a lock's
 * {@link dev.lockkit.LockSettings} over them) and its minimum hold, with the durations the core counts in
 * converted once. Equal terms share a cohort; the client's own terms are one instance, so that a lock without
 * settings costs nothing more.
 */
final class Terms {
  private final LockOptions options;
  private final long minimumHoldNanos;
  private final long leaseNanos;
  private final long marginNanos;
  private final long renewNanos;
  private final long commandNanos;

  /**
   * @param options the lock's options; their namespace is the client's
   * @param minimumHoldNanos how long a holding stays on the server after it was acquired, at least; 0 for none
   */
  Terms(LockOptions options, long minimumHoldNanos) {
    this.options = options;
    this.minimumHoldNanos = minimumHoldNanos;
    this.leaseNanos = Checks.toNanosSaturated(options.leaseTime());
    // Clocks of client and server may run at slightly different rates: a holder claims a little less than the lease.
    this.marginNanos = leaseNanos / 100;
    this.renewNanos = options.renewalEnabled() ? Checks.toNanosSaturated(options.renewInterval()) : -1;
    this.commandNanos = Checks.toNanosSaturated(options.commandTimeout());
  }

  LockOptions options() {
    return options;
  }

  long minimumHoldNanos() {
    return minimumHoldNanos;
  }

  long leaseNanos() {
    return leaseNanos;
  }

  /** How much less than the lease a holder counts on (1%): clocks of client and server run at slightly different rates. */
  long marginNanos() {
    return marginNanos;
  }

  /** The renewal interval, or -1 with renewal off. */
  long renewNanos() {
    return renewNanos;
  }

  /** The bound of a renewal or confirmation of this lock: the client's command timeout, or less for a short lease. */
  long commandNanos() {
    return commandNanos;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Terms t && minimumHoldNanos == t.minimumHoldNanos && options.equals(t.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(options, minimumHoldNanos);
  }
}
