package dev.lockkit.spring.boot;

import dev.lockkit.LockOptions;
import java.time.Duration;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * The {@code lockkit.*} properties of a Spring Boot application: where the lock server is and the options of the
 * {@link dev.lockkit.LockClient} that {@link LockkitAutoConfiguration} connects to it. An option left unset keeps
 * lockkit's default (see {@link LockOptions}).
 *
 * <p>The properties check themselves when Boot binds them (they are their own {@link Validator}): a value that
 * lockkit refuses, such as a negative lease time or a renewal interval longer than half the lease time, fails the
 * application's start with lockkit's own message, prefixed with the property's name. {@code lockkit.uri} is checked
 * when the client connects: an unknown scheme fails the start with a message that names the property and lists the
 * schemes on the class path.
 */
@ConfigurationProperties(LockkitProperties.PREFIX)
public class LockkitProperties implements Validator {
  /** The prefix of every lockkit property. */
  public static final String PREFIX = "lockkit";

  /**
   * The lock server's URI, such as redis://localhost:6379, redis-cluster://host1:7000,host2:7000,
   * zookeeper://localhost:2181 or memory: (the backend is chosen by the scheme). Without it no LockClient bean is
   * made.
   */
  private @Nullable String uri;

  /**
   * How long the server keeps a lock whose holder stopped renewing it (died, paused, partitioned): from 50ms to 7d.
   * Default 30s.
   */
  private @Nullable Duration leaseTime;

  /**
   * How often a held lease is renewed in the background: at least 10ms and at most half the lease time. Default: a
   * third of the lease time.
   */
  private @Nullable Duration renewInterval;

  /**
   * Whether held leases are renewed in the background. Without renewal a lease lasts the lease time at most, after
   * which it is lost and the server frees the lock.
   */
  private boolean renewal = true;

  /**
   * The bound of one round trip to the server, connecting included: from 10ms to 10m, and at most the lease time
   * minus the renewal interval. Default 5s, or that bound if shorter.
   */
  private @Nullable Duration commandTimeout;

  /**
   * The prefix of every key or node the client touches, so that applications on one server do not share lock
   * names: 1 to 64 of A-Z a-z 0-9 _ -. Default "lockkit".
   */
  private @Nullable String namespace;

  private final Cohorting cohorting = new Cohorting();

  private final Observations observations = new Observations();

  /**
   * The lock server's URI.
   *
   * @return the URI, or null when unset
   */
  public @Nullable String getUri() {
    return uri;
  }

  /**
   * Sets the lock server's URI.
   *
   * @param uri such as {@code redis://localhost:6379}, or null
   */
  public void setUri(@Nullable String uri) {
    this.uri = uri;
  }

  /**
   * The lease time.
   *
   * @return the lease time, or null for lockkit's default
   */
  public @Nullable Duration getLeaseTime() {
    return leaseTime;
  }

  /**
   * Sets the lease time.
   *
   * @param leaseTime the lease time, or null for lockkit's default
   */
  public void setLeaseTime(@Nullable Duration leaseTime) {
    this.leaseTime = leaseTime;
  }

  /**
   * The renewal interval.
   *
   * @return the renewal interval, or null for lockkit's default
   */
  public @Nullable Duration getRenewInterval() {
    return renewInterval;
  }

  /**
   * Sets the renewal interval.
   *
   * @param renewInterval the renewal interval, or null for lockkit's default
   */
  public void setRenewInterval(@Nullable Duration renewInterval) {
    this.renewInterval = renewInterval;
  }

  /**
   * Whether held leases are renewed in the background.
   *
   * @return true unless turned off
   */
  public boolean isRenewal() {
    return renewal;
  }

  /**
   * Turns background renewal on or off.
   *
   * @param renewal false to turn renewal off
   */
  public void setRenewal(boolean renewal) {
    this.renewal = renewal;
  }

  /**
   * The command timeout.
   *
   * @return the command timeout, or null for lockkit's default
   */
  public @Nullable Duration getCommandTimeout() {
    return commandTimeout;
  }

  /**
   * Sets the command timeout.
   *
   * @param commandTimeout the command timeout, or null for lockkit's default
   */
  public void setCommandTimeout(@Nullable Duration commandTimeout) {
    this.commandTimeout = commandTimeout;
  }

  /**
   * The namespace.
   *
   * @return the namespace, or null for lockkit's default
   */
  public @Nullable String getNamespace() {
    return namespace;
  }

  /**
   * Sets the namespace.
   *
   * @param namespace the namespace, or null for lockkit's default
   */
  public void setNamespace(@Nullable String namespace) {
    this.namespace = namespace;
  }

  /**
   * The cohorting properties ({@code lockkit.cohorting.*}).
   *
   * @return the cohorting properties
   */
  public Cohorting getCohorting() {
    return cohorting;
  }

  /**
   * The observation properties ({@code lockkit.observations.*}).
   *
   * @return the observation properties
   */
  public Observations getObservations() {
    return observations;
  }

  /**
   * A builder of {@link LockOptions} holding every option these properties set, for the auto-configured client or
   * a client of the application's own; an option not set here keeps lockkit's default. The builder's
   * {@link LockOptions.Builder#build()} checks how the options combine.
   *
   * @return a new builder
   * @throws IllegalArgumentException if a property holds a value lockkit refuses, the message naming the
   *     property
   */
  public LockOptions.Builder toOptionsBuilder() {
    LockOptions.Builder builder = LockOptions.builder();
    apply("lease-time", "leaseTime", leaseTime, builder::leaseTime);
    if (!renewal) {
      if (renewInterval != null) {
        throw new PropertyException("renewInterval", "lockkit.renew-interval (" + renewInterval
            + ") cannot be set while lockkit.renewal is false: remove one of them");
      }
      builder.withoutRenewal();
    }
    apply("renew-interval", "renewInterval", renewInterval, builder::renewInterval);
    apply("command-timeout", "commandTimeout", commandTimeout, builder::commandTimeout);
    apply("namespace", "namespace", namespace, builder::namespace);
    Integer handoffs = cohorting.getMaxLocalHandoffs();
    if (!cohorting.isEnabled()) {
      if (handoffs != null) {
        throw new PropertyException("cohorting.maxLocalHandoffs", "lockkit.cohorting.max-local-handoffs ("
            + handoffs + ") cannot be set while lockkit.cohorting.enabled is false: remove one of them");
      }
      builder.withoutCohorting();
    }
    apply("cohorting.max-local-handoffs", "cohorting.maxLocalHandoffs", handoffs, builder::maxLocalHandoffs);
    return builder;
  }

  /**
   * The {@link LockOptions} these properties give, without an observer.
   *
   * @return the options
   * @throws IllegalArgumentException if a property holds a value lockkit refuses, or the properties do not
   *     combine (a renewal interval longer than half the lease time, a command timeout longer than the lease time
   *     minus the renewal interval), the message naming the properties
   */
  public LockOptions toOptions() {
    return build(toOptionsBuilder());
  }

  /** Builds the options, naming the properties whose combination lockkit refuses. */
  static LockOptions build(LockOptions.Builder builder) {
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      // build() refuses a renewal interval or a command timeout that does not fit the lease time
      String message = String.valueOf(e.getMessage());
      boolean renewing = message.startsWith("renewInterval");
      throw new PropertyException(renewing ? "renewInterval" : "commandTimeout",
          (renewing ? "lockkit.renew-interval and lockkit.lease-time do not fit: "
              : "lockkit.command-timeout, lockkit.lease-time and lockkit.renew-interval do not fit: ") + message, e);
    }
  }

  private static <T> void apply(String property, String field, @Nullable T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw new PropertyException(field, PREFIX + "." + property + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether this validator checks objects of the given class.
   *
   * @param type the class of the object to check
   * @return true for {@link LockkitProperties}
   */
  @Override
  public boolean supports(Class<?> type) {
    return LockkitProperties.class.isAssignableFrom(type);
  }

  /**
   * Checks the properties as lockkit would when connecting, rejecting the first value it refuses with lockkit's
   * message prefixed with the property's name. Boot calls this when it binds the properties.
   *
   * @param target the properties to check
   * @param errors where a refusal is recorded
   */
  @Override
  public void validate(Object target, Errors errors) {
    LockkitProperties properties = (LockkitProperties) target;
    if (properties.uri != null && properties.uri.isBlank()) {
      errors.rejectValue("uri", "lockkit.uri.blank", "lockkit.uri is blank: set the lock server's URI, such as "
          + "redis://localhost:6379, or remove the property to have no LockClient bean");
    }
    try {
      properties.toOptions();
    } catch (PropertyException e) {
      errors.rejectValue(e.field, "lockkit.invalid", String.valueOf(e.getMessage()));
    }
  }

  @Override
  public String toString() {
    // the URI may hold a password: never shown
    return "LockkitProperties{uri=" + (uri == null ? "unset" : "set") + ", leaseTime=" + leaseTime
        + ", renewInterval=" + renewInterval + ", renewal=" + renewal + ", commandTimeout=" + commandTimeout
        + ", namespace=" + namespace + ", cohorting.enabled=" + cohorting.isEnabled()
        + ", cohorting.maxLocalHandoffs=" + cohorting.getMaxLocalHandoffs()
        + ", observations.lockNameTag=" + observations.isLockNameTag() + '}';
  }

  /** The {@code lockkit.cohorting.*} properties. */
  public static class Cohorting {
    /**
     * Whether threads of the application that want the same lock queue locally, so that only one of them waits on
     * the server and a release passes the lock to the next of them without a round trip.
     */
    private boolean enabled = true;

    /**
     * How many times in a row a lock may pass between threads of the application without going back to the
     * server, so that other processes get their turn: 1 to 1023. Default 16.
     */
    private @Nullable Integer maxLocalHandoffs;

    /** Creates the properties with their defaults. */
    public Cohorting() {}

    /**
     * Whether cohorting is on.
     *
     * @return true unless turned off
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Turns cohorting on or off.
     *
     * @param enabled false to turn cohorting off
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The most local hand-offs in a row.
     *
     * @return the number, or null for lockkit's default
     */
    public @Nullable Integer getMaxLocalHandoffs() {
      return maxLocalHandoffs;
    }

    /**
     * Sets the most local hand-offs in a row.
     *
     * @param maxLocalHandoffs 1 to 1023, or null for lockkit's default
     */
    public void setMaxLocalHandoffs(@Nullable Integer maxLocalHandoffs) {
      this.maxLocalHandoffs = maxLocalHandoffs;
    }
  }

  /** The {@code lockkit.observations.*} properties. */
  public static class Observations {
    /**
     * Whether every lockkit meter is tagged with the lock name. Each lock name then makes meters of its own, kept
     * for the registry's life: only for applications with few, fixed lock names (not one per order).
     */
    private boolean lockNameTag = false;

    /** Creates the properties with their defaults. */
    public Observations() {}

    /**
     * Whether meters are tagged with the lock name.
     *
     * @return false unless turned on
     */
    public boolean isLockNameTag() {
      return lockNameTag;
    }

    /**
     * Turns the lock-name tag on or off.
     *
     * @param lockNameTag true to tag every meter with the lock name
     */
    public void setLockNameTag(boolean lockNameTag) {
      this.lockNameTag = lockNameTag;
    }
  }

  /** A value lockkit refuses, with the bean path of the property that holds it. */
  private static final class PropertyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    PropertyException(String field, String message) {
      super(message);
      this.field = field;
    }

    PropertyException(String field, String message, Throwable cause) {
      super(message, cause);
      this.field = field;
    }
  }
}
