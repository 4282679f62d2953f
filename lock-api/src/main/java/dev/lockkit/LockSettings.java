package dev.lockkit;

import dev.lockkit.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of one lock over its client's {@link LockOptions}, given to {@link LockClient#lock(String,
 * LockSettings)}: a 30 s job lock and a 2 s request lock on one client, with one set of connections and
 * threads. Each setting left unset is the client's; set ones are checked against the same bounds as
 * {@link LockOptions} (lease time, renewal interval at most half of it, at most
 * {@value LockOptions#MAX_LOCAL_HANDOFFS} local hand-offs), when the lock is made, naming the setting.
 *
 * <p>The settings are those of a holding on the server, not of a name: a lock's lease time, renewal and
 * minimum hold are those of the acquisition that took it. A re-entrant acquisition (the same thread, the same
 * client, any settings) joins the holding it re-enters and keeps its lease time and renewal; its minimum hold
 * counts, from the moment it re-entered. Threads of one client using one name with equal settings queue
 * together under cohorting and pass the lock among themselves; with different settings they queue apart and
 * meet on the server, as two clients would.
 *
 * <p><b>Minimum hold</b> (ShedLock's "lock at least for"): a lease taken with a minimum hold that is closed
 * before the minimum has passed since it was acquired returns at once, but the lock stays held on the server,
 * by nobody, until the minimum has passed; no other holder, in this process or another, gets it before. The
 * server keeps it (a key's expiry, a ZooKeeper node), not a client thread: the client may exit meanwhile. A
 * scheduled job on several nodes with skewed clocks then runs once per period even if it finishes in
 * milliseconds. Only a close by the holder keeps the lock: a lease that is lost, or released because its
 * client closed, is not kept. With a minimum hold pending, the lock does not pass to a local waiter.
 */
public final class LockSettings {
  /** The longest minimum hold. */
  public static final Duration MAX_MINIMUM_HOLD = LockOptions.MAX_LEASE_TIME;
  private static final LockSettings NONE = builder().build();

  private final @Nullable Duration leaseTime;
  private final @Nullable Duration renewInterval;
  private final boolean renewalOff;
  private final @Nullable Integer maxLocalHandoffs;
  private final boolean cohortingOff;
  private final Duration minimumHold;

  private LockSettings(Builder b) {
    this.leaseTime = b.leaseTime;
    this.renewInterval = b.renewInterval;
    this.renewalOff = b.renewalOff;
    this.maxLocalHandoffs = b.maxLocalHandoffs;
    this.cohortingOff = b.cohortingOff;
    this.minimumHold = b.minimumHold != null ? b.minimumHold : Duration.ZERO;
  }

  /**
   * Settings that change nothing: every one is the client's.
   *
   * @return the empty settings
   */
  public static LockSettings none() {
    return NONE;
  }

  /**
   * A builder of settings, each unset one being the client's.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The minimum hold, zero if none.
   *
   * @return the minimum hold
   */
  public Duration minimumHold() {
    return minimumHold;
  }

  /**
   * The options a lock with these settings gets on a client with {@code client} options: the client's, with
   * these settings over them. The command timeout stays the client's, or shorter where a shorter lease time
   * needs it for its renewals (at most the lease time minus the renewal interval).
   *
   * @param client the client's options
   * @return the lock's options
   * @throws IllegalArgumentException if the combination breaks a bound of {@link LockOptions}, naming it
   */
  public LockOptions over(LockOptions client) {
    Checks.notNull(client, "client");
    if (leaseTime == null && renewInterval == null && !renewalOff && maxLocalHandoffs == null && !cohortingOff) {
      return client;
    }
    LockOptions.Builder b = client.toBuilder();
    if (leaseTime != null) {
      b.leaseTime(leaseTime);
    }
    if (renewInterval != null) {
      b.renewInterval(renewInterval);
    } else if (renewalOff) {
      b.withoutRenewal();
    }
    if (maxLocalHandoffs != null) {
      b.maxLocalHandoffs(maxLocalHandoffs);
    } else if (cohortingOff) {
      b.withoutCohorting();
    }
    return b.build();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LockSettings s && Objects.equals(leaseTime, s.leaseTime)
        && Objects.equals(renewInterval, s.renewInterval) && renewalOff == s.renewalOff
        && Objects.equals(maxLocalHandoffs, s.maxLocalHandoffs) && cohortingOff == s.cohortingOff
        && minimumHold.equals(s.minimumHold);
  }

  @Override
  public int hashCode() {
    return Objects.hash(leaseTime, renewInterval, renewalOff, maxLocalHandoffs, cohortingOff, minimumHold);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("LockSettings{");
    if (leaseTime != null) {
      s.append("leaseTime=").append(leaseTime).append(", ");
    }
    if (renewInterval != null) {
      s.append("renewInterval=").append(renewInterval).append(", ");
    }
    if (renewalOff) {
      s.append("renewal=off, ");
    }
    if (maxLocalHandoffs != null) {
      s.append("maxLocalHandoffs=").append(maxLocalHandoffs).append(", ");
    }
    if (cohortingOff) {
      s.append("cohorting=off, ");
    }
    if (!minimumHold.isZero()) {
      s.append("minimumHold=").append(minimumHold).append(", ");
    }
    if (s.charAt(s.length() - 1) == ' ') {
      s.setLength(s.length() - 2);
    }
    return s.append('}').toString();
  }

  /**
   * Builds {@link LockSettings}. Each setting may be set once, and each is checked when set, with the same
   * bounds and messages as {@link LockOptions.Builder}; their combination with the client's options is checked
   * when the lock is made.
   */
  public static final class Builder {
    private @Nullable Duration leaseTime;
    private @Nullable Duration renewInterval;
    private boolean renewalOff;
    private @Nullable Integer maxLocalHandoffs;
    private boolean cohortingOff;
    private @Nullable Duration minimumHold;

    private Builder() {}

    /**
     * Sets this lock's lease time (see {@link LockOptions.Builder#leaseTime}). Unless a renewal interval is
     * set too, renewal follows the client's: off if it is off there, else every third of this lease time.
     *
     * @param leaseTime from {@link LockOptions#MIN_LEASE_TIME} to {@link LockOptions#MAX_LEASE_TIME}
     * @return this builder
     * @throws IllegalArgumentException if null or outside that range
     * @throws IllegalStateException if already set
     */
    public Builder leaseTime(Duration leaseTime) {
      Checks.state(this.leaseTime == null, "leaseTime was already set to %s", this.leaseTime);
      LockOptions.builder().leaseTime(leaseTime); // the same checks and messages
      this.leaseTime = leaseTime;
      return this;
    }

    /**
     * Sets how often this lock's lease is renewed while held (see {@link LockOptions.Builder#renewInterval}).
     *
     * @param renewInterval at least {@link LockOptions#MIN_RENEW_INTERVAL} and at most half the lease time
     * @return this builder
     * @throws IllegalArgumentException if null or too short
     * @throws IllegalStateException if already set, or {@link #withoutRenewal()} was called
     */
    public Builder renewInterval(Duration renewInterval) {
      Checks.state(this.renewInterval == null, "renewInterval was already set to %s", this.renewInterval);
      Checks.state(!renewalOff, "renewInterval cannot be set: withoutRenewal() was called");
      LockOptions.builder().renewInterval(renewInterval);
      this.renewInterval = renewInterval;
      return this;
    }

    /**
     * Turns renewal off for this lock: its lease lasts its lease time at most.
     *
     * @return this builder
     * @throws IllegalStateException if already called, or a renewal interval was set
     */
    public Builder withoutRenewal() {
      Checks.state(!renewalOff, "withoutRenewal() was already called");
      Checks.state(renewInterval == null, "withoutRenewal() conflicts with renewInterval(%s)", renewInterval);
      this.renewalOff = true;
      return this;
    }

    /**
     * Sets how many times in a row this lock may pass between threads of the client without going back to the
     * server (see {@link LockOptions.Builder#maxLocalHandoffs}); turns cohorting on for this lock if the
     * client's is off.
     *
     * @param maxLocalHandoffs 1 to {@value LockOptions#MAX_LOCAL_HANDOFFS}
     * @return this builder
     * @throws IllegalArgumentException if outside that range
     * @throws IllegalStateException if already set, or {@link #withoutCohorting()} was called
     */
    public Builder maxLocalHandoffs(int maxLocalHandoffs) {
      Checks.state(this.maxLocalHandoffs == null, "maxLocalHandoffs was already set to %s", this.maxLocalHandoffs);
      Checks.state(!cohortingOff, "maxLocalHandoffs cannot be set: withoutCohorting() was called");
      LockOptions.builder().maxLocalHandoffs(maxLocalHandoffs);
      this.maxLocalHandoffs = maxLocalHandoffs;
      return this;
    }

    /**
     * Turns cohorting off for this lock: each of its acquisitions asks the server itself.
     *
     * @return this builder
     * @throws IllegalStateException if already called, or {@link #maxLocalHandoffs(int)} was called
     */
    public Builder withoutCohorting() {
      Checks.state(!cohortingOff, "withoutCohorting() was already called");
      Checks.state(maxLocalHandoffs == null, "withoutCohorting() conflicts with maxLocalHandoffs(%s)",
          maxLocalHandoffs);
      this.cohortingOff = true;
      return this;
    }

    /**
     * Sets the minimum hold: a lease of this lock closed earlier than this after it was acquired leaves the lock
     * held on the server until then (see {@link LockSettings}).
     *
     * @param minimumHold zero (none, the default) to {@link LockSettings#MAX_MINIMUM_HOLD}
     * @return this builder
     * @throws IllegalArgumentException if null, negative or longer than that
     * @throws IllegalStateException if already set
     */
    public Builder minimumHold(Duration minimumHold) {
      Checks.state(this.minimumHold == null, "minimumHold was already set to %s", this.minimumHold);
      Checks.notNegative(minimumHold, "minimumHold");
      Checks.argument(minimumHold.compareTo(MAX_MINIMUM_HOLD) <= 0,
          "minimumHold must be at most %s, was %s", MAX_MINIMUM_HOLD, minimumHold);
      this.minimumHold = minimumHold;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the immutable settings
     */
    public LockSettings build() {
      return new LockSettings(this);
    }
  }
}
