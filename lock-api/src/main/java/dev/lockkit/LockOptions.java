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
 *       server do not share lock names;
 *   <li>cohorting on, at most {@value #DEFAULT_LOCAL_HANDOFFS} local hand-offs in a row: threads of this client
 *       that want the same lock queue here, only the first of them waits on the server, and a release passes
 *       the still-held lock to the next local thread without a round trip, up to that many times in a row
 *       before the lock is released on the server so that other processes get their turn.
 * </ul>
 */
public final class LockOptions {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Duration MIN_LEASE = Duration.ofMillis(10);
  /** Local hand-offs in a row allowed by default before a lock goes back to the server. */
  public static final int DEFAULT_LOCAL_HANDOFFS = 16;
  /** The most local hand-offs in a row that may be allowed: each one takes the next of 1,024 token slots. */
  public static final int MAX_LOCAL_HANDOFFS = 1023;
  private static final LockOptions DEFAULTS = builder().build();

  private final Duration leaseTime;
  private final @Nullable Duration renewInterval;
  private final Duration commandTimeout;
  private final String namespace;
  private final int maxLocalHandoffs;

  private LockOptions(Builder b) {
    this.leaseTime = b.leaseTime == null ? Duration.ofSeconds(30) : b.leaseTime;
    if (b.renewalOff) {
      this.renewInterval = null;
    } else {
      this.renewInterval = b.renewInterval == null ? leaseTime.dividedBy(3) : b.renewInterval;
    }
    this.commandTimeout = b.commandTimeout == null ? Duration.ofSeconds(5) : b.commandTimeout;
    this.namespace = b.namespace == null ? "lockkit" : b.namespace;
    if (b.cohortingOff) {
      this.maxLocalHandoffs = 0;
    } else {
      this.maxLocalHandoffs = b.maxLocalHandoffs == null ? DEFAULT_LOCAL_HANDOFFS : b.maxLocalHandoffs;
    }
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

  /**
   * Whether threads of one client queue locally for a lock so that only one of them waits on the server and
   * a release can pass the lock to the next of them without a round trip.
   *
   * @return true unless {@link Builder#withoutCohorting()} was called
   */
  public boolean cohortingEnabled() {
    return maxLocalHandoffs > 0;
  }

  /**
   * How many times in a row a lock may pass from one thread of this client to another without going back to
   * the server. Each such hand-off gives the next holder its own lease and a larger fencing token.
   *
   * @return 1 to {@value #MAX_LOCAL_HANDOFFS}; 0 when cohorting is off
   */
  public int maxLocalHandoffs() {
    return maxLocalHandoffs;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LockOptions other
        && leaseTime.equals(other.leaseTime)
        && Objects.equals(renewInterval, other.renewInterval)
        && commandTimeout.equals(other.commandTimeout)
        && namespace.equals(other.namespace)
        && maxLocalHandoffs == other.maxLocalHandoffs;
  }

  @Override
  public int hashCode() {
    return Objects.hash(leaseTime, renewInterval, commandTimeout, namespace, maxLocalHandoffs);
  }

  @Override
  public String toString() {
    return "LockOptions{leaseTime=" + leaseTime
        + ", renewInterval=" + (renewInterval == null ? "off" : renewInterval)
        + ", commandTimeout=" + commandTimeout
        + ", namespace=" + namespace
        + ", cohorting=" + (maxLocalHandoffs == 0 ? "off" : maxLocalHandoffs + " local hand-offs") + '}';
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
    private @Nullable Integer maxLocalHandoffs;
    private boolean cohortingOff;

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
     * Turns cohorting off: every thread that wants a lock asks the server itself, and every release goes to
     * the server. Costs a round trip per hand-off between threads of one process; useful when each thread
     * must compete with other processes on equal terms.
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
     * Sets how many times in a row a lock may pass between threads of this client without going back to the
     * server (default {@value LockOptions#DEFAULT_LOCAL_HANDOFFS}). Other processes wait at most that many
     * critical sections of this client longer than without cohorting.
     *
     * @param maxLocalHandoffs 1 to {@value LockOptions#MAX_LOCAL_HANDOFFS}
     * @return this builder
     * @throws IllegalArgumentException if outside that range
     * @throws IllegalStateException if already set, or cohorting was turned off
     */
    public Builder maxLocalHandoffs(int maxLocalHandoffs) {
      Checks.state(this.maxLocalHandoffs == null, "maxLocalHandoffs was already set to %s", this.maxLocalHandoffs);
      Checks.state(!cohortingOff, "maxLocalHandoffs cannot be set: withoutCohorting() was called");
      Checks.argument(maxLocalHandoffs >= 1 && maxLocalHandoffs <= MAX_LOCAL_HANDOFFS,
          "maxLocalHandoffs must be 1 to %s, was %s", MAX_LOCAL_HANDOFFS, maxLocalHandoffs);
      this.maxLocalHandoffs = maxLocalHandoffs;
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
