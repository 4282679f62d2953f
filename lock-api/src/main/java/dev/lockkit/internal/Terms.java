package dev.lockkit.internal;

import dev.lockkit.LockOptions;

/**
 * What an acquisition asks of the holding it makes: the lock's options (the client's, or a lock's
 * {@link dev.lockkit.LockSettings} over them) and its minimum hold. Equal terms share a cohort; the client's
 * own terms are one instance, so that a lock without settings costs nothing more.
 *
 * @param options the lock's options; their namespace is the client's
 * @param minimumHoldNanos how long a holding stays on the server after it was acquired, at least; 0 for none
 */
record Terms(LockOptions options, long minimumHoldNanos) {

  long leaseNanos() {
    return Checks.toNanosSaturated(options.leaseTime());
  }

  /** The renewal interval, or -1 with renewal off. */
  long renewNanos() {
    return options.renewalEnabled() ? Checks.toNanosSaturated(options.renewInterval()) : -1;
  }

  /** The bound of a renewal or confirmation of this lock: the client's command timeout, or less for a short lease. */
  long commandNanos() {
    return Checks.toNanosSaturated(options.commandTimeout());
  }
}
