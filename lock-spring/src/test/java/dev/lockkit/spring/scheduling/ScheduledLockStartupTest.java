package dev.lockkit.spring.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What happens when the application starts: bad annotation values fail the start, naming the method, the attribute
 * and the value; the auto-configuration backs off without a {@link LockClient} and does without Micrometer.
 */
class ScheduledLockStartupTest {

  @Configuration(proxyBeanMethods = false)
  static class Client {
    @Bean(destroyMethod = "close")
    LockClient lockClient() {
      return Locks.connect("memory:");
    }
  }

  static class NotADuration {
    @ScheduledLock(name = "jobs/a", lockAtMostFor = "soon")
    public void run() {}
  }

  static class LeaseTooShort {
    @ScheduledLock(name = "jobs/a", lockAtMostFor = "10ms")
    public void run() {}
  }

  static class NegativeHold {
    @ScheduledLock(name = "jobs/a", lockAtLeastFor = "-1s")
    public void run() {}
  }

  static class NotALockName {
    @ScheduledLock(name = "jobs//a")
    public void run() {}
  }

  static class BlankName {
    @ScheduledLock(name = " ")
    public void run() {}
  }

  static class MissingPlaceholder {
    @ScheduledLock(name = "jobs/${no.such.property}")
    public void run() {}
  }

  static class PrimitiveResult {
    @ScheduledLock(name = "jobs/a")
    public int run(String argument) {
      return argument.length();
    }
  }

  /** Public: a proxy made under a {@code FilteredClassLoader} lives in another runtime package. */
  public static class Fine {
    @ScheduledLock(name = "jobs/${job.suffix}", lockAtMostFor = "${job.lease}", lockAtLeastFor = "PT0.2S")
    public Optional<String> run() {
      return Optional.of(ScheduledLocks.currentLease().orElseThrow().name());
    }
  }

  private static ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LockkitSchedulingAutoConfiguration.class));
  }

  private static void startFails(Class<?> job, String... fragments) {
    runner().withUserConfiguration(Client.class).withBean(job).run(context -> {
      assertThat(context).hasFailed();
      List<String> messages = new ArrayList<>();
      for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
        messages.add(String.valueOf(t.getMessage()));
      }
      assertThat(messages).as("the failure's messages").anySatisfy(message -> assertThat(message)
          .startsWith("@ScheduledLock on " + job.getName() + ".run(")
          .contains(fragments));
    });
  }

  @Test
  void durationThatIsNoneFailsTheStart() {
    startFails(NotADuration.class, "lockAtMostFor \"soon\"", "is not a duration", "\"30s\"");
  }

  @Test
  void leaseTimeOutOfLockkitsRangeFailsTheStart() {
    startFails(LeaseTooShort.class, "lockAtMostFor \"10ms\"", "leaseTime");
  }

  @Test
  void negativeMinimumHoldFailsTheStart() {
    startFails(NegativeHold.class, "lockAtLeastFor \"-1s\"", "minimumHold");
  }

  @Test
  void invalidLockNameFailsTheStart() {
    startFails(NotALockName.class, "name \"jobs//a\"", "is not a lockkit lock name");
  }

  @Test
  void blankNameFailsTheStart() {
    startFails(BlankName.class, "name is blank");
  }

  @Test
  void unresolvablePlaceholderFailsTheStart() {
    startFails(MissingPlaceholder.class, "name \"jobs/${no.such.property}\"", "no.such.property");
  }

  @Test
  void primitiveResultFailsTheStart() {
    startFails(PrimitiveResult.class, "run(String)", "returns int", "Integer");
  }

  @Test
  void placeholdersResolveInEveryAttribute() {
    String suffix = UUID.randomUUID().toString();
    runner().withUserConfiguration(Client.class).withBean(Fine.class)
        .withPropertyValues("job.suffix=" + suffix, "job.lease=2s")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(Fine.class).run()).contains("jobs/" + suffix);
          assertThat(context.getBean(ScheduledLockStats.class).count("jobs/" + suffix, ScheduledLockOutcome.RAN))
              .isEqualTo(1);
        });
  }

  @Test
  void backsOffWithoutALockClient() {
    runner().withBean(Fine.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(ScheduledLockBeanPostProcessor.class);
      assertThat(context).doesNotHaveBean(ScheduledLockStats.class);
      assertThat(AopUtils.isAopProxy(context.getBean(Fine.class))).isFalse();
    });
  }

  @Test
  void worksWithoutMicrometer() {
    runner().withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .withUserConfiguration(Client.class).withBean(Fine.class)
        .withPropertyValues("job.suffix=" + UUID.randomUUID(), "job.lease=2s")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(ScheduledLockMeters.class);
          assertThat(context).hasSingleBean(ScheduledLockStats.class);
          assertThat(context.getBean(Fine.class).run()).isPresent();
          assertThat(context.getBean(ScheduledLockStats.class).total(ScheduledLockOutcome.RAN)).isEqualTo(1);
        });
  }

  @Test
  void withMicrometerTheCounterIsRegistered() {
    runner().withUserConfiguration(Client.class).run(context -> assertThat(context)
        .hasSingleBean(ScheduledLockMeters.class).hasSingleBean(ScheduledLockBeanPostProcessor.class));
  }

  @Test
  void autoConfigurationIsListedForBoot() {
    assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates())
        .contains(LockkitSchedulingAutoConfiguration.class.getName());
  }
}
