package dev.lockkit.spring.shedlock;

import dev.lockkit.LockClient;
import net.javacrumbs.shedlock.core.LockProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Makes a {@link LockkitLockProvider} bean named {@code lockkitLockProvider} when ShedLock is on the class path,
 * the application has one {@link LockClient} bean (lockkit's auto-configuration makes it from {@code lockkit.uri},
 * or the application defines its own), and the application defines no ShedLock {@link LockProvider} of its own.
 * ShedLock's {@code @EnableSchedulerLock} then finds it as the one provider its {@code @SchedulerLock} methods use.
 */
@AutoConfiguration(afterName = "dev.lockkit.spring.boot.LockkitAutoConfiguration")
@ConditionalOnClass(LockProvider.class)
public class LockkitShedLockAutoConfiguration {

  /** Created by Spring. */
  public LockkitShedLockAutoConfiguration() {}

  /**
   * The provider over the application's lock client.
   *
   * @param client the application's lock client
   * @return the provider
   */
  @Bean
  @ConditionalOnSingleCandidate(LockClient.class)
  @ConditionalOnMissingBean(LockProvider.class)
  public LockkitLockProvider lockkitLockProvider(LockClient client) {
    return new LockkitLockProvider(client);
  }
}
