package dev.lockkit.spring.boot;

import dev.lockkit.LockClient;
import dev.lockkit.LockObserver;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.micrometer.LockObservations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of one {@link LockClient} bean, connected by {@link Locks#connect(String, LockOptions)} to
 * {@code lockkit.uri} with the options of the other {@code lockkit.*} properties ({@link LockkitProperties}), and
 * closed when the application context closes (which releases the leases it still holds).
 *
 * <p>No client is made without {@code lockkit.uri}, nor when the application defines a {@link LockClient} bean
 * of its own. A server that cannot be reached at start fails the start, as a URI whose scheme no backend on the
 * class path serves does (the message names {@code lockkit.uri} and the schemes available).
 *
 * <p>Observations: the client's {@link LockObserver} is the application's own {@link LockObserver} bean if it has
 * one. Otherwise, when {@code lock-micrometer} is on the class path and the application has a
 * {@link MeterRegistry} or an {@link ObservationRegistry} bean (Spring Boot's actuator makes both), a
 * {@link LockObservations} bean on them is the observer: acquisitions as observations (timers and spans), hold
 * times, losses, failed renewals, hand-offs and gauges; with {@code lockkit.observations.lock-name-tag=true} every
 * meter is tagged with the lock name.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@EnableConfigurationProperties(LockkitProperties.class)
public final class LockkitAutoConfiguration {
  private static final Logger log = LoggerFactory.getLogger(LockkitAutoConfiguration.class);

  /** Created by Spring Boot. */
  LockkitAutoConfiguration() {}

  /**
   * The application's {@link LockClient}.
   *
   * @param properties the {@code lockkit.*} properties
   * @param observer the application's {@link LockObserver} bean, or the auto-configured {@link LockObservations}
   * @return the connected client; Spring closes it with the context
   * @throws IllegalArgumentException if no single backend serves the scheme of {@code lockkit.uri}, or the URI is
   *     malformed, the message naming {@code lockkit.uri}
   * @throws dev.lockkit.LockBackendException if the server cannot be reached within the command timeout
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(LockClient.class)
  @ConditionalOnProperty(prefix = LockkitProperties.PREFIX, name = "uri")
  public LockClient lockkitClient(LockkitProperties properties, ObjectProvider<LockObserver> observer) {
    LockOptions.Builder builder = properties.toOptionsBuilder();
    observer.ifAvailable(builder::observer);
    LockOptions options = LockkitProperties.build(builder);
    String uri = String.valueOf(properties.getUri());
    LockClient client;
    try {
      client = Locks.connect(uri, options);
    } catch (IllegalArgumentException e) {
      // Locks's messages show the URI without its password
      throw new IllegalArgumentException("lockkit.uri: " + e.getMessage(), e);
    }
    log.debug("lockkit client connected with {}", options);
    return client;
  }

  /**
   * The {@link LockObservations} observer on the application's Micrometer registries, when
   * {@code lock-micrometer} is present and the application has a registry but no {@link LockObserver} of its own.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({LockObservations.class, MeterRegistry.class, ObservationRegistry.class})
  @ConditionalOnProperty(prefix = LockkitProperties.PREFIX, name = "uri")
  @Conditional(OnMicrometerRegistry.class)
  static class ObservationsConfiguration {
    /**
     * Meters on the application's {@link MeterRegistry} (or none without one), and each acquisition an observation
     * on its {@link ObservationRegistry} (or, without one, on a registry of the observer's own that makes the
     * acquisition timers on the meter registry).
     */
    @Bean
    @ConditionalOnMissingBean(LockObserver.class)
    LockObservations lockkitObservations(LockkitProperties properties, ObjectProvider<MeterRegistry> meters,
        ObjectProvider<ObservationRegistry> observations) {
      MeterRegistry meterRegistry = meters.getIfAvailable();
      // with an observation registry only (traces without metrics), the meters go nowhere: an empty composite
      LockObservations.Builder builder =
          LockObservations.builder(meterRegistry != null ? meterRegistry : new CompositeMeterRegistry());
      observations.ifAvailable(builder::observationRegistry);
      if (properties.getObservations().isLockNameTag()) {
        builder.lockNameTag();
      }
      return builder.build();
    }
  }

  /** Matches when the application has a {@link MeterRegistry} bean, an {@link ObservationRegistry} bean, or both. */
  static final class OnMicrometerRegistry extends AnyNestedCondition {
    OnMicrometerRegistry() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnBean(MeterRegistry.class)
    static final class HasMeterRegistry {}

    @ConditionalOnBean(ObservationRegistry.class)
    static final class HasObservationRegistry {}
  }
}
