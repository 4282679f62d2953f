package dev.lockkit.spring.scheduling;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Counts the calls of {@link ScheduledLock} methods with the Micrometer counter {@value #METER}, tagged
 * {@code job} (the lock name) and {@code outcome} ({@link ScheduledLockOutcome#tag()}). The registry is the
 * application's {@link MeterRegistry} bean (the primary one if there are several), looked up once every singleton
 * exists (on each call before that); without one nothing is counted here ({@link ScheduledLockStats} still
 * counts).
 */
public final class ScheduledLockMeters implements ScheduledRunListener, SmartInitializingSingleton {
  /** The counter's name. */
  public static final String METER = "lockkit.scheduled.runs";

  private final ObjectProvider<MeterRegistry> registries;
  private volatile @Nullable MeterRegistry registry;
  private volatile boolean settled;

  /**
   * Counts into the application's meter registry.
   *
   * @param registries the {@link MeterRegistry} beans
   */
  public ScheduledLockMeters(ObjectProvider<MeterRegistry> registries) {
    this.registries = registries;
  }

  /**
   * Increments the counter of the job and outcome.
   *
   * @param job the job's lock name
   * @param outcome how the call ended
   */
  @Override
  public void onRun(String job, ScheduledLockOutcome outcome) {
    MeterRegistry r = registry();
    if (r != null) {
      Counter.builder(METER)
          .description("Calls of lockkit @ScheduledLock methods, by job and outcome (ran, skipped, lost, failed)")
          .tag("job", job)
          .tag("outcome", outcome.tag())
          .register(r)
          .increment();
    }
  }

  /** Looks the registry up for good, now that every singleton exists. */
  @Override
  public void afterSingletonsInstantiated() {
    registry = registries.getIfUnique();
    settled = true;
  }

  private @Nullable MeterRegistry registry() {
    MeterRegistry r = registry;
    // a call made while the context starts may come before the registry exists: look again until settled
    return r != null || settled ? r : registries.getIfUnique();
  }
}
