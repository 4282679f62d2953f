package dev.lockkit;

import dev.lockkit.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Immutable settings of a {@link LockClient}, built by {@link #builder()}. Unset options take their defaults:
 *
 * <ul>
 *   <li>lease time 30 s: how long the server keeps a lock whose holder stopped renewing it (died, paused,
 *       partitioned);
 *   <li>renewal on, every lease time / 3: a held lease is extended in the background until released;
 *   <li>command timeout 5 s, or less when the lease is short (see below): the bound of every single server
 *       round trip, including connecting;
 *   <li>namespace {@code lockkit}: the prefix of every key or node, so that unrelated applications on one
 *       server do not share lock names;
 *   <li>cohorting on, at most {@value #DEFAULT_LOCAL_HANDOFFS} local hand-offs in a row: threads of this client
 *       that want the same lock queue here, only the first of them waits on the server, and a release passes
 *       the still-held lock to the next local thread without a round trip, up to that many times in a row
 *       before the lock is released on the server so that other processes get their turn;
 *   <li>no {@link LockObserver}: nothing is measured.
 * </ul>
 *
 * <p>Bounds, checked by the builder so that a combination that cannot keep the guarantees is refused instead
 * of failing later:
 *
 * <ul>
 *   <li>lease time from {@link #MIN_LEASE_TIME} to {@link #MAX_LEASE_TIME};
 *   <li>renewal interval from {@link #MIN_RENEW_INTERVAL} to half the lease time, so that a renewal that fails
 *       once is retried before the lease runs out;
 *   <li>command timeout from {@link #MIN_COMMAND_TIMEOUT} to {@link #MAX_COMMAND_TIMEOUT}, and no longer than the
 *       lease time minus the renewal interval (a renewal sent on time is answered, or given up, before the
 *       lease ends; with renewal off, as if renewed every third of the lease). When the command timeout is
 *       not set, it is 5 s or that bound, whichever is shorter.
 * </ul>
 *
 * <p>{@link #toBuilder()} copies every option into a new builder, where each may be set once more: the way to
 * derive options from others without dropping any. A copied renewal interval or command timeout that no longer
 * fits a new lease time set there is derived anew, as its default would be.
 */
public final class LockOptions {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** The shortest lease time allowed: room for a renewal interval and a command timeout of their minimum. */
  public static final Duration MIN_LEASE_TIME = Duration.ofMillis(50);
  /** The longest lease time allowed. */
  public static final Duration MAX_LEASE_TIME = Duration.ofDays(7);
  /** The shortest renewal interval allowed. */
  public static final Duration MIN_RENEW_INTERVAL = Duration.ofMillis(10);
  /** The shortest command timeout allowed: below it a loopback round trip on a loaded machine times out. */
  public static final Duration MIN_COMMAND_TIMEOUT = Duration.ofMillis(10);
  /** The longest command timeout allowed. */
  public static final Duration MAX_COMMAND_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(30);
  private static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);
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
  private final @Nullable LockObserver observer;

  private LockOptions(Duration leaseTime, @Nullable Duration renewInterval, Duration commandTimeout,
      String namespace, int maxLocalHandoffs, @Nullable LockObserver observer) {
    this.leaseTime = leaseTime;
    this.renewInterval = renewInterval;
    this.commandTimeout = commandTimeout;
    this.namespace = namespace;
    this.maxLocalHandoffs = maxLocalHandoffs;
    this.observer = observer;
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
   * A builder holding every option of these options, each of which may be set once more (the rest keep their
   * values). Backends and frameworks that adjust one option use it so that they cannot drop the others.
   *
   * @return a new builder with these options
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * How long the server keeps a lease that is not renewed.
   *
   * @return the lease time, from {@link #MIN_LEASE_TIME} to {@link #MAX_LEASE_TIME}
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
   * @return the renewal interval, at most half the lease time; the lease time when renewal is off
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

  /**
   * What hears the client's acquisitions, holdings and losses, for metrics and traces.
   *
   * @return the observer set by {@link Builder#observer(LockObserver)}, or empty
   */
  public Optional<LockObserver> observer() {
    return Optional.ofNullable(observer);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LockOptions other
        && leaseTime.equals(other.leaseTime)
        && Objects.equals(renewInterval, other.renewInterval)
        && commandTimeout.equals(other.commandTimeout)
        && namespace.equals(other.namespace)
        && maxLocalHandoffs == other.maxLocalHandoffs
        && Objects.equals(observer, other.observer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(leaseTime, renewInterval, commandTimeout, namespace, maxLocalHandoffs, observer);
  }

  @Override
  public String toString() {
    return "LockOptions{leaseTime=" + leaseTime
        + ", renewInterval=" + (renewInterval == null ? "off" : renewInterval)
        + ", commandTimeout=" + commandTimeout
        + ", namespace=" + namespace
        + ", cohorting=" + (maxLocalHandoffs == 0 ? "off" : maxLocalHandoffs + " local hand-offs")
        + (observer == null ? "" : ", observer=" + observer) + '}';
  }

  /**
   * Builds {@link LockOptions}. Each option may be set once; setting one twice is a mistake that the builder
   * reports rather than letting the last call silently win (a builder from {@link LockOptions#toBuilder()}
   * holds values that may each be set once more). Values are checked when set and their combination in
   * {@link #build()}, each refusal naming the option and the range allowed.
   */
  public static final class Builder {
    private @Nullable Duration leaseTime;
    private @Nullable Duration renewInterval;
    private boolean renewalOff;
    private @Nullable Duration commandTimeout;
    private @Nullable String namespace;
    private @Nullable Integer maxLocalHandoffs;
    private boolean cohortingOff;
    private @Nullable LockObserver observer;
    /** Options copied by {@link LockOptions#toBuilder()}: their values, not yet set on this builder. */
    private final @Nullable LockOptions base;

    private Builder() {
      this.base = null;
    }

    private Builder(LockOptions base) {
      this.base = base;
    }

    /**
     * Sets how long the server keeps a lease that is not renewed (default 30 s).
     *
     * @param leaseTime from {@link LockOptions#MIN_LEASE_TIME} to {@link LockOptions#MAX_LEASE_TIME}
     * @return this builder
     * @throws IllegalArgumentException if null or outside that range
     * @throws IllegalStateException if already set
     */
    public Builder leaseTime(Duration leaseTime) {
      Checks.state(this.leaseTime == null, "leaseTime was already set to %s", this.leaseTime);
      Checks.positive(leaseTime, "leaseTime");
      Checks.argument(leaseTime.compareTo(MIN_LEASE_TIME) >= 0 && leaseTime.compareTo(MAX_LEASE_TIME) <= 0,
          "leaseTime must be at least %s and at most %s, was %s", MIN_LEASE_TIME, MAX_LEASE_TIME, leaseTime);
      this.leaseTime = leaseTime;
      return this;
    }

    /**
     * Sets how often a held lease is renewed (default: a third of the lease time). Turns renewal back on in a
     * builder copied from options without renewal.
     *
     * @param renewInterval at least {@link LockOptions#MIN_RENEW_INTERVAL} and at most half the lease time
     *     (checked by {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if null or shorter than {@link LockOptions#MIN_RENEW_INTERVAL}
     * @throws IllegalStateException if already set, or renewal was turned off on this builder
     */
    public Builder renewInterval(Duration renewInterval) {
      Checks.state(this.renewInterval == null, "renewInterval was already set to %s", this.renewInterval);
      Checks.state(!renewalOff, "renewInterval cannot be set: withoutRenewal() was called");
      Checks.positive(renewInterval, "renewInterval");
      Checks.argument(renewInterval.compareTo(MIN_RENEW_INTERVAL) >= 0,
          "renewInterval must be at least %s, was %s", MIN_RENEW_INTERVAL, renewInterval);
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
     * Sets the bound of one round trip to the server, connecting included (default 5 s, or the lease time
     * minus the renewal interval if that is shorter).
     *
     * @param commandTimeout from {@link LockOptions#MIN_COMMAND_TIMEOUT} to
     *     {@link LockOptions#MAX_COMMAND_TIMEOUT}, and at most the lease time minus the renewal interval
     *     (checked by {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if null or outside that range
     * @throws IllegalStateException if already set
     */
    public Builder commandTimeout(Duration commandTimeout) {
      Checks.state(this.commandTimeout == null, "commandTimeout was already set to %s", this.commandTimeout);
      Checks.positive(commandTimeout, "commandTimeout");
      Checks.argument(commandTimeout.compareTo(MIN_COMMAND_TIMEOUT) >= 0
              && commandTimeout.compareTo(MAX_COMMAND_TIMEOUT) <= 0,
          "commandTimeout must be at least %s and at most %s, was %s",
          MIN_COMMAND_TIMEOUT, MAX_COMMAND_TIMEOUT, commandTimeout);
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
     * critical sections of this client longer than without cohorting. Turns cohorting back on in a builder
     * copied from options without it.
     *
     * @param maxLocalHandoffs 1 to {@value LockOptions#MAX_LOCAL_HANDOFFS}
     * @return this builder
     * @throws IllegalArgumentException if outside that range
     * @throws IllegalStateException if already set, or cohorting was turned off on this builder
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
     * Sets what hears the client's acquisitions, holdings, losses, failed renewals and local hand-offs, for
     * metrics and traces (default: none, and then the client measures nothing). One observer per client;
     * combine several in one of your own.
     *
     * @param observer the observer; see {@link LockObserver} for what it must and must not do
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder observer(LockObserver observer) {
      Checks.state(this.observer == null, "observer was already set to %s", this.observer);
      Checks.notNull(observer, "observer");
      this.observer = observer;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the immutable options
     * @throws IllegalArgumentException if the renewal interval is longer than half the lease time, or the
     *     command timeout longer than the lease time minus the renewal interval
     */
    public LockOptions build() {
      Duration lease = leaseTime != null ? leaseTime : base != null ? base.leaseTime : DEFAULT_LEASE_TIME;
      Duration renew;
      if (renewalOff) {
        renew = null;
      } else if (renewInterval != null) {
        renew = renewInterval;
      } else if (base != null && base.renewInterval == null) {
        renew = null; // copied without renewal; a new lease time does not turn it on
      } else if (base != null && base.renewInterval.compareTo(lease.dividedBy(2)) <= 0
          && !base.renewInterval.equals(base.leaseTime.dividedBy(3))) {
        renew = base.renewInterval; // set on the original and still fitting
      } else {
        renew = lease.dividedBy(3);
      }
      if (renew != null) {
        Checks.argument(renew.compareTo(lease.dividedBy(2)) <= 0,
            "renewInterval (%s) must be at most half the leaseTime (%s), so that a failed renewal is retried "
                + "before the lease runs out", renew, lease);
      }
      Duration commandBound = lease.minus(renew != null ? renew : lease.dividedBy(3));
      Duration command;
      if (commandTimeout != null) {
        command = commandTimeout;
      } else if (base != null && base.commandTimeout.compareTo(commandBound) <= 0) {
        command = base.commandTimeout;
      } else {
        command = DEFAULT_COMMAND_TIMEOUT.compareTo(commandBound) <= 0 ? DEFAULT_COMMAND_TIMEOUT : commandBound;
      }
      Checks.argument(command.compareTo(commandBound) <= 0,
          "commandTimeout (%s) must be at most the leaseTime (%s) minus the renewInterval (%s%s), so that a "
              + "renewal sent on time is answered or given up before the lease ends: %s at most here",
          command, lease, renew != null ? renew : lease.dividedBy(3), renew != null ? "" : ", as renewal is off",
          commandBound);
      String ns = namespace != null ? namespace : base != null ? base.namespace : "lockkit";
      int handoffs;
      if (cohortingOff) {
        handoffs = 0;
      } else if (maxLocalHandoffs != null) {
        handoffs = maxLocalHandoffs;
      } else {
        handoffs = base != null ? base.maxLocalHandoffs : DEFAULT_LOCAL_HANDOFFS;
      }
      LockObserver watcher = observer != null ? observer : base != null ? base.observer : null;
      return new LockOptions(lease, renew, command, ns, handoffs, watcher);
    }
  }
}
