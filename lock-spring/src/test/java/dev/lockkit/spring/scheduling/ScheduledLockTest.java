package dev.lockkit.spring.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.LogCapture;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * What a call of a {@link ScheduledLock} method does: runs under its lease, skips while another client holds the
 * lock, propagates exceptions after releasing, keeps the lock for its minimum hold, reports a lost lease. Called
 * directly through the bean's proxy (the scheduler does the same; {@code ScheduledLockTickTest} drives it by cron).
 */
class ScheduledLockTest {

  /** What the jobs saw and do: a bean of its own, since a test must not read or write fields of a proxy. */
  static final class Probe {
    final AtomicInteger runs = new AtomicInteger();
    final List<Optional<Lease>> seen = new CopyOnWriteArrayList<>();
    volatile Runnable body = () -> {};
  }

  /** The jobs, one method per kind of annotation; the probe's {@code body} is what a run does. */
  static class Jobs {
    private final Probe probe;

    Jobs(Probe probe) {
      this.probe = probe;
    }

    @ScheduledLock(name = "${job.name}")
    public void plain() {
      run();
    }

    @ScheduledLock(name = "${job.name}")
    public String value() {
      run();
      return "ran";
    }

    @ScheduledLock(name = "${job.name}")
    public Optional<String> optional() {
      run();
      return Optional.of("ran");
    }

    @ScheduledLock(name = "${job.name}", lockAtLeastFor = "1500ms")
    public void heldAtLeast() {
      run();
    }

    @ScheduledLock(name = "${job.name}", lockAtMostFor = "1s")
    public void shortLease() {
      run();
    }

    public void unlocked() {
      probe.seen.add(ScheduledLocks.currentLease());
    }

    private void run() {
      probe.runs.incrementAndGet();
      probe.seen.add(ScheduledLocks.currentLease());
      probe.body.run();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class App {
    @Bean(destroyMethod = "close")
    LockClient lockClient(Environment env) {
      return Locks.connect(env.getRequiredProperty("lock.uri"));
    }

    @Bean
    Probe probe() {
      return new Probe();
    }

    @Bean
    Jobs jobs(Probe probe) {
      return new Jobs(probe);
    }

    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  private final String job = "jobs/" + UUID.randomUUID();

  private ApplicationContextRunner runner(String uri) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LockkitSchedulingAutoConfiguration.class))
        .withUserConfiguration(App.class)
        .withPropertyValues("lock.uri=" + uri, "job.name=" + job);
  }

  private static String redis() {
    return SharedServers.standalone().uri();
  }

  private static double meter(MeterRegistry registry, String job, ScheduledLockOutcome outcome) {
    var counter = registry.find(ScheduledLockMeters.METER).tag("job", job).tag("outcome", outcome.tag()).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void runSeesItsLeaseAndNoLeaseIsSeenOutsideARun() {
    runner("memory:").run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      Probe probe = context.getBean(Probe.class);
      assertThat(AopUtils.isCglibProxy(jobs)).isTrue();
      assertThat(ScheduledLocks.currentLease()).isEmpty();
      probe.body = () -> {
        Lease lease = ScheduledLocks.currentLease().orElseThrow();
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.fencingToken()).isPositive();
        assertThat(lease.name()).isEqualTo(job);
      };

      jobs.plain();
      jobs.plain();
      jobs.unlocked();

      assertThat(probe.runs).hasValue(2);
      assertThat(probe.seen).hasSize(3);
      Lease first = probe.seen.get(0).orElseThrow();
      Lease second = probe.seen.get(1).orElseThrow();
      assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
      assertThat(first.isValid()).as("released when the run ended").isFalse();
      assertThat(second.isValid()).isFalse();
      assertThat(probe.seen.get(2)).as("a method without @ScheduledLock").isEmpty();
      assertThat(ScheduledLocks.currentLease()).as("after the runs, on the calling thread").isEmpty();
      ScheduledLockStats stats = context.getBean(ScheduledLockStats.class);
      assertThat(stats.count(job, ScheduledLockOutcome.RAN)).isEqualTo(2);
      assertThat(stats.jobs()).containsExactly(job);
    });
  }

  @Test
  void callIsSkippedWhileAnotherClientHoldsTheLockAndCounted() {
    runner(redis()).run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      Probe probe = context.getBean(Probe.class);
      try (LockClient other = Locks.connect(redis())) {
        Lease held = other.lock(job).tryAcquire().orElseThrow();

        jobs.plain();
        assertThat(jobs.value()).isNull();
        assertThat(jobs.optional()).isEmpty();
        assertThat(probe.runs).as("no skipped call runs the method").hasValue(0);

        held.close();
        assertThat(jobs.value()).isEqualTo("ran");
      }
      ScheduledLockStats stats = context.getBean(ScheduledLockStats.class);
      assertThat(stats.count(job, ScheduledLockOutcome.SKIPPED)).isEqualTo(3);
      assertThat(stats.count(job, ScheduledLockOutcome.RAN)).isEqualTo(1);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertThat(meter(registry, job, ScheduledLockOutcome.SKIPPED)).isEqualTo(3);
      assertThat(meter(registry, job, ScheduledLockOutcome.RAN)).isEqualTo(1);
      assertThat(meter(registry, job, ScheduledLockOutcome.LOST)).isZero();
    });
  }

  @Test
  void exceptionPropagatesAfterTheLeaseIsReleased() {
    runner("memory:").run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      Probe probe = context.getBean(Probe.class);
      IllegalStateException boom = new IllegalStateException("boom");
      probe.body = () -> {
        throw boom;
      };

      assertThatThrownBy(jobs::plain).isSameAs(boom);

      try (LockClient other = Locks.connect("memory:")) {
        Optional<Lease> taken = other.lock(job).tryAcquire();
        assertThat(taken).as("free at once after the failed run").isPresent();
        taken.orElseThrow().close();
      }
      assertThat(probe.seen.get(0).orElseThrow().isValid()).isFalse();
      assertThat(ScheduledLocks.currentLease()).isEmpty();
      ScheduledLockStats stats = context.getBean(ScheduledLockStats.class);
      assertThat(stats.count(job, ScheduledLockOutcome.FAILED)).isEqualTo(1);
      assertThat(stats.count(job, ScheduledLockOutcome.RAN)).isZero();
      assertThat(meter(context.getBean(MeterRegistry.class), job, ScheduledLockOutcome.FAILED)).isEqualTo(1);
    });
  }

  @Test
  void lockAtLeastForKeepsTheLockAfterAFastRun() {
    runner(redis()).run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      Probe probe = context.getBean(Probe.class);
      try (LockClient other = Locks.connect(redis())) {
        long start = System.nanoTime();
        jobs.heldAtLeast();
        assertThat(probe.runs).hasValue(1);

        assertThat(other.lock(job).tryAcquire()).as("held by nobody, kept by the server").isEmpty();
        jobs.plain();
        assertThat(probe.runs).as("this node's next trigger skips too").hasValue(1);

        Lease next = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(25))
            .until(() -> other.lock(job).tryAcquire(), Optional::isPresent).orElseThrow();
        long heldMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        next.close();
        // 1,500 ms from the acquisition, which came after start; a little room for the two clocks' readings
        assertThat(heldMillis).isBetween(1_400L, 8_000L);
      }
      ScheduledLockStats stats = context.getBean(ScheduledLockStats.class);
      assertThat(stats.count(job, ScheduledLockOutcome.RAN)).isEqualTo(1);
      assertThat(stats.count(job, ScheduledLockOutcome.SKIPPED)).isEqualTo(1);
    });
  }

  @Test
  void leaseLostWhileRunningIsLoggedAndCountedAsLost() {
    runner(redis()).run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      Probe probe = context.getBean(Probe.class);
      probe.body = () -> {
        Lease lease = ScheduledLocks.currentLease().orElseThrow();
        try (Resp resp = SharedServers.standalone().resp()) {
          // the server loses the lock (an eviction, a failover to a replica that never had it): the next
          // renewal finds no key of ours and the lease is lost
          assertThat(resp.call("DEL", "lockkit:{" + job + "}")).isEqualTo(1L);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !lease.isValid());
      };

      try (LogCapture log = LogCapture.start()) {
        jobs.shortLease();
        assertThat(log.lines(" WARN ", "Scheduled job " + job)).singleElement().asString().contains("lost its lock while running");
      }
      ScheduledLockStats stats = context.getBean(ScheduledLockStats.class);
      assertThat(stats.count(job, ScheduledLockOutcome.LOST)).isEqualTo(1);
      assertThat(stats.count(job, ScheduledLockOutcome.RAN)).isZero();
      assertThat(meter(context.getBean(MeterRegistry.class), job, ScheduledLockOutcome.LOST)).isEqualTo(1);
    });
  }

  @Test
  void failingListenerDisturbsNeitherTheRunNorTheOtherListeners() {
    ScheduledRunListener failing = (name, outcome) -> {
      throw new IllegalStateException("listener down");
    };
    runner("memory:").withBean("failingListener", ScheduledRunListener.class, () -> failing).run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      try (LogCapture log = LogCapture.start()) {
        assertThat(jobs.value()).isEqualTo("ran");
        assertThat(log.lines(" WARN ", "failed on the ran outcome of scheduled job " + job)).hasSize(1);
      }
      assertThat(context.getBean(ScheduledLockStats.class).count(job, ScheduledLockOutcome.RAN)).isEqualTo(1);
      assertThat(meter(context.getBean(MeterRegistry.class), job, ScheduledLockOutcome.RAN)).isEqualTo(1);
    });
  }

  @Test
  void closedClientFailsTheCallWithoutRunningIt() {
    runner("memory:").run(context -> {
      Jobs jobs = context.getBean(Jobs.class);
      Probe probe = context.getBean(Probe.class);
      context.getBean(LockClient.class).close();

      assertThatThrownBy(jobs::plain).isInstanceOf(IllegalStateException.class);

      assertThat(probe.runs).hasValue(0);
      assertThat(context.getBean(ScheduledLockStats.class).count(job, ScheduledLockOutcome.FAILED)).isEqualTo(1);
    });
  }
}
