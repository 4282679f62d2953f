package dev.lockkit;

import dev.lockkit.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Immutable settings of a {@link LockClient}, built by {@link #builder()}. Unset options take their defaults:
 *
 * <ul>
 *   <li>lease time 30 s: how long the server keeps a lock whose holder stopped renewing it (died, paused,
 *       partitioned);
 *   <li>renewal on, every lease time / 3: a held lease is extended in the background until released;
 *   <li>command timeout 5 s: the bound of every single server round trip, including connecting;
 *   <li>namespace {@code lockkit}: the prefix of every key or node, so that unrelated applications on one
 *       server do not share lock names.
 * </ul>
 */
public final class LockOptions {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Duration MIN_LEASE = Duration.ofMillis(10);
  private static final LockOptions DEFAULTS = builder().build();

  private final Duration leaseTime;
  private final @Nullable Duration renewInterval;
  private final Duration commandTimeout;
  private final String namespace;

  private LockOptions(Builder b) {
    this.leaseTime = b.leaseTime == null ? Duration.ofSeconds(30) : b.leaseTime;
    if (b.renewalOff) {
      this.renewInterval = null;
    } else {
      this.renewInterval = b.renewInterval == null ? leaseTime.dividedBy(3) : b.renewInterval;
    }
    this.commandTimeout = b.commandTimeout == null ? Duration.ofSeconds(5) : b.commandTimeout;
    this.namespace = b.namespace == null ? "lockkit" : b.namespace;
  }

  /**
   * The default options.
   *
   * @return options with every default
   */
  public static LockOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A builder with nothing set.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How long the server keeps a lease that is not renewed.
   *
   * @return the lease time, at least 10 ms
   */
  public Duration leaseTime() {
    return leaseTime;
  }

  /**
   * Whether held leases are renewed in the background.
   *
   * @return true unless {@link Builder#withoutRenewal()} was called
   */
  public boolean renewalEnabled() {
    return renewInterval != null;
  }

  /**
   * How often a held lease is renewed; meaningless when renewal is off.
   *
   * @return the renewal interval, shorter than the lease time; the lease time when renewal is off
   */
  public Duration renewInterval() {
    return renewInterval == null ? leaseTime : renewInterval;
  }

  /**
   * The bound of one round trip to the server.
   *
   * @return the command timeout
   */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /**
   * The prefix of every key or node this client touches.
   *
   * @return the namespace: 1 to 64 of {@code A-Z a-z 0-9 _ -}
   */
  public String namespace() {
    return namespace;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LockOptions other
        && leaseTime.equals(other.leaseTime)
        && Objects.equals(renewInterval, other.renewInterval)
        && commandTimeout.equals(other.commandTimeout)
        && namespace.equals(other.namespace);
  }

  @Override
  public int hashCode() {
    return Objects.hash(leaseTime, renewInterval, commandTimeout, namespace);
  }

  @Override
  public String toString() {
    return "LockOptions{leaseTime=" + leaseTime
        + ", renewInterval=" + (renewInterval == null ? "off" : renewInterval)
        + ", commandTimeout=" + commandTimeout
        + ", namespace=" + namespace + '}';
  }

  /**
   * Builds {@link LockOptions}. Each option may be set once; setting one twice is a mistake that the builder
   * reports rather than letting the last call silently win. Values are checked when set and their
   * combination in {@link #build()}.
   */
  public static final class Builder {
    private @Nullable Duration leaseTime;
    private @Nullable Duration renewInterval;
    private boolean renewalOff;
    private @Nullable Duration commandTimeout;
    private @Nullable String namespace;

    private Builder() {}

    /**
     * Sets how long the server keeps a lease that is not renewed (default 30 s).
     *
     * @param leaseTime at least 10 ms
     * @return this builder
     * @throws IllegalArgumentException if null or shorter than 10 ms
     * @throws IllegalStateException if already set
     */
    public Builder leaseTime(Duration leaseTime) {
      Checks.state(this.leaseTime == null, "leaseTime was already set to %s", this.leaseTime);
      Checks.positive(leaseTime, "leaseTime");
      Checks.argument(leaseTime.compareTo(MIN_LEASE) >= 0,
          "leaseTime must be at least %s, was %s", MIN_LEASE, leaseTime);
      this.leaseTime = leaseTime;
      return this;
    }

    /**
     * Sets how often a held lease is renewed (default: a third of the lease time).
     *
     * @param renewInterval positive and shorter than the lease time
     * @return this builder
     * @throws IllegalArgumentException if null, zero or negative
     * @throws IllegalStateException if already set, or renewal was turned off
     */
    public Builder renewInterval(Duration renewInterval) {
      Checks.state(this.renewInterval == null, "renewInterval was already set to %s", this.renewInterval);
      Checks.state(!renewalOff, "renewInterval cannot be set: withoutRenewal() was called");
      Checks.positive(renewInterval, "renewInterval");
      this.renewInterval = renewInterval;
      return this;
    }

    /**
     * Turns background renewal off: a lease then lasts its lease time at most, after which it is lost (its
     * listeners run and its close throws) and the server frees the lock.
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
     * Sets the bound of one round trip to the server, connecting included (default 5 s).
     *
     * @param commandTimeout positive
     * @return this builder
     * @throws IllegalArgumentException if null, zero or negative
     * @throws IllegalStateException if already set
     */
    public Builder commandTimeout(Duration commandTimeout) {
      Checks.state(this.commandTimeout == null, "commandTimeout was already set to %s", this.commandTimeout);
      Checks.positive(commandTimeout, "commandTimeout");
      this.commandTimeout = commandTimeout;
      return this;
    }

    /**
     * Sets the prefix of every key or node (default {@code lockkit}).
     *
     * @param namespace 1 to 64 of {@code A-Z a-z 0-9 _ -}
     * @return this builder
     * @throws IllegalArgumentException if null or breaking that rule
     * @throws IllegalStateException if already set
     */
    public Builder namespace(String namespace) {
      Checks.state(this.namespace == null, "namespace was already set to %s", this.namespace);
      Checks.notNull(namespace, "namespace");
      Checks.argument(NAMESPACE.matcher(namespace).matches(),
          "namespace must be 1 to 64 of A-Z a-z 0-9 _ -, was '%s'", namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the immutable options
     * @throws IllegalArgumentException if the renewal interval is not shorter than the lease time
     */
    public LockOptions build() {
      Duration lease = leaseTime == null ? Duration.ofSeconds(30) : leaseTime;
      if (renewInterval != null) {
        Checks.argument(renewInterval.compareTo(lease) < 0,
            "renewInterval (%s) must be shorter than leaseTime (%s)", renewInterval, lease);
      }
      return new LockOptions(this);
    }
  }
}
