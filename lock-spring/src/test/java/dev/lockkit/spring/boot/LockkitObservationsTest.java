package dev.lockkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockObserver;
import dev.lockkit.micrometer.LockObservations;
import dev.lockkit.redis.testing.SharedServers;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The client's observer: lock-micrometer on the application's registries, or nothing without them. */
class LockkitObservationsTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LockkitAutoConfiguration.class))
      .withPropertyValues("lockkit.uri=" + SharedServers.standalone().uri());

  private static String acquireAndRelease(LockClient client) throws InterruptedException {
    String name = "observed/" + UUID.randomUUID();
    try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(10))) {
      assertThat(lease.isValid()).isTrue();
    }
    return name;
  }

  /** Waits for the timer of the given name and outcome to count one, and returns it. */
  private static Timer awaitTimer(MeterRegistry meters, String name, String outcome) {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Timer timer = meters.find(name).tag(LockObservations.OUTCOME, outcome).timer();
      return timer != null && timer.count() == 1;
    });
    return meters.get(name).tag(LockObservations.OUTCOME, outcome).timer();
  }

  @Test
  void aMeterRegistryGetsAcquisitionAndLeaseMeters() {
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(LockObservations.class);
      LockClient client = context.getBean(LockClient.class);
      assertThat(client.options().observer()).containsSame(context.getBean(LockObservations.class));

      acquireAndRelease(client);

      MeterRegistry meters = context.getBean(MeterRegistry.class);
      Timer acquire = awaitTimer(meters, LockObservations.ACQUIRE, "acquired");
      Timer lease = awaitTimer(meters, LockObservations.LEASE, "released");
      for (Timer timer : List.of(acquire, lease)) {
        assertThat(timer.getId().getTag(LockObservations.BACKEND)).isEqualTo("redis");
        assertThat(timer.getId().getTag(LockObservations.NAMESPACE)).isEqualTo("lockkit");
        assertThat(timer.getId().getTag(LockObservations.LOCK)).isNull();
      }
    });
  }

  @Test
  void acquisitionsAreObservationsOnTheApplicationsObservationRegistry() {
    List<String> stopped = new CopyOnWriteArrayList<>();
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean(ObservationRegistry.class, () -> ObservationRegistry.create())
        .run(context -> {
          // wired as Boot's observation auto-configuration does: the meter handler on the meter registry
          ObservationRegistry observations = context.getBean(ObservationRegistry.class);
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters))
              .observationHandler(new ObservationHandler<Observation.Context>() {
                @Override
                public boolean supportsContext(Observation.Context ctx) {
                  return true;
                }

                @Override
                public void onStop(Observation.Context ctx) {
                  KeyValue outcome = ctx.getLowCardinalityKeyValue(LockObservations.OUTCOME);
                  stopped.add(ctx.getName() + ":" + (outcome == null ? null : outcome.getValue()));
                }
              });

          acquireAndRelease(context.getBean(LockClient.class));

          await().atMost(Duration.ofSeconds(10)).until(() -> stopped.contains("lockkit.acquire:acquired"));
          awaitTimer(meters, LockObservations.ACQUIRE, "acquired");
          awaitTimer(meters, LockObservations.LEASE, "released");
        });
  }

  @Test
  void theLockNameTagPropertyTagsEveryMeterWithTheLockName() {
    runner.withPropertyValues("lockkit.observations.lock-name-tag=true")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
          String name = acquireAndRelease(context.getBean(LockClient.class));
          Timer lease = awaitTimer(context.getBean(MeterRegistry.class), LockObservations.LEASE, "released");
          assertThat(lease.getId().getTag(LockObservations.LOCK)).isEqualTo(name);
        });
  }

  @Test
  void theApplicationsOwnObserverIsUsed() {
    LockObserver own = new LockObserver() { };
    runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withBean(LockObserver.class, () -> own)
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(LockObservations.class);
          assertThat(context.getBean(LockClient.class).options().observer()).containsSame(own);
        });
  }

  @Test
  void withoutRegistriesNothingIsObserved() {
    runner.run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(LockObserver.class);
      LockClient client = context.getBean(LockClient.class);
      assertThat(client.options().observer()).isEmpty();
      acquireAndRelease(client);
    });
  }

  @Test
  void withoutLockMicrometerTheContextStartsAndTheClientWorks() {
    runner.withClassLoader(new FilteredClassLoader("dev.lockkit.micrometer"))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(LockObserver.class);
          LockClient client = context.getBean(LockClient.class);
          assertThat(client.options().observer()).isEmpty();
          acquireAndRelease(client);
          assertThat(context.getBean(MeterRegistry.class).find(LockObservations.ACQUIRE).timer()).isNull();
        });
  }

  @Test
  void withoutMicrometerAtAllTheContextStartsAndTheClientWorks() {
    runner.withClassLoader(new FilteredClassLoader("dev.lockkit.micrometer", "io.micrometer")).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(LockClient.class);
      acquireAndRelease(context.getBean(LockClient.class));
    });
  }
}
