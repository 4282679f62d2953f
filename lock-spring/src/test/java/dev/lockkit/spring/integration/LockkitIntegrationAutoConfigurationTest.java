package dev.lockkit.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.DefaultLockRegistry;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * When the auto-configuration makes the registry bean, and when it backs off. The lock client is lockkit's in-JVM
 * backend ({@code memory:}): what is checked here is the wiring; the registry's behaviour on real servers is
 * {@link LockRegistryContract}'s.
 */
class LockkitIntegrationAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LockkitIntegrationAutoConfiguration.class));

  @Test
  void makesARegistryOverTheApplicationsLockClient() {
    runner.withBean(LockClient.class, () -> Locks.connect("memory:")).run(context -> {
      assertThat(context).hasSingleBean(LockRegistry.class).hasBean("lockkitLockRegistry");
      LockRegistry<?> registry = context.getBean(LockRegistry.class);
      assertThat(registry).isInstanceOf(LockkitLockRegistry.class);
      Lock lock = registry.obtain("orders/42");
      assertThat(lock.tryLock()).isTrue();
      lock.unlock();
    });
  }

  @Test
  void backsOffWhenTheApplicationHasARegistryOfItsOwn() {
    runner.withBean(LockClient.class, () -> Locks.connect("memory:"))
        .withBean("applicationRegistry", LockRegistry.class, DefaultLockRegistry::new)
        .run(context -> assertThat(context).hasSingleBean(LockRegistry.class).hasBean("applicationRegistry")
            .doesNotHaveBean(LockkitLockRegistry.class));
  }

  @Test
  void makesNoRegistryWithoutALockClient() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LockRegistry.class));
  }

  @Test
  void makesNoRegistryWhenTwoLockClientsLeaveTheChoiceOpen() {
    runner.withBean("one", LockClient.class, () -> Locks.connect("memory:"))
        .withBean("two", LockClient.class, () -> Locks.connect("memory:"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LockRegistry.class));
  }

  @Test
  void makesNoRegistryWithoutSpringIntegration() {
    runner.withClassLoader(new FilteredClassLoader(LockRegistry.class))
        .withBean(LockClient.class, () -> Locks.connect("memory:"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LockkitLockRegistry.class));
  }
}
