package dev.lockkit.spring.shedlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * When the auto-configuration makes the ShedLock provider bean, and when it backs off. The lock client is lockkit's
 * in-JVM backend ({@code memory:}): what is checked here is the wiring; the provider's behaviour on real servers is
 * {@link ShedLockContract}'s.
 */
class LockkitShedLockAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LockkitShedLockAutoConfiguration.class));

  @Test
  void makesAProviderOverTheApplicationsLockClient() {
    runner.withBean(LockClient.class, () -> Locks.connect("memory:")).run(context -> {
      assertThat(context).hasSingleBean(LockProvider.class).hasBean("lockkitLockProvider");
      LockProvider provider = context.getBean(LockProvider.class);
      assertThat(provider).isInstanceOf(LockkitLockProvider.class);
      LockConfiguration job = new LockConfiguration(Instant.now(), "jobs/nightly", Duration.ofMinutes(1), Duration.ZERO);
      Optional<SimpleLock> lock = provider.lock(job);
      assertThat(lock).isPresent();
      assertThat(provider.lock(job)).isEmpty();
      lock.get().unlock();
    });
  }

  @Test
  void backsOffWhenTheApplicationHasAProviderOfItsOwn() {
    runner.withBean(LockClient.class, () -> Locks.connect("memory:"))
        .withBean("applicationProvider", LockProvider.class, () -> configuration -> Optional.empty())
        .run(context -> assertThat(context).hasSingleBean(LockProvider.class).hasBean("applicationProvider"));
  }

  @Test
  void makesNoProviderWithoutALockClient() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LockProvider.class));
  }

  @Test
  void makesNoProviderWithoutShedLock() {
    runner.withClassLoader(new FilteredClassLoader(LockProvider.class))
        .withBean(LockClient.class, () -> Locks.connect("memory:"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LockkitLockProvider.class));
  }
}
