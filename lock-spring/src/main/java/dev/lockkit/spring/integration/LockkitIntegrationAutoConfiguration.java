package dev.lockkit.spring.integration;

import dev.lockkit.LockClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Makes a {@link LockkitLockRegistry} bean named {@code lockkitLockRegistry} when Spring Integration is on the
 * class path, the application has one {@link LockClient} bean (lockkit's auto-configuration makes it from
 * {@code lockkit.uri}, or the application defines its own), and the application defines no {@link LockRegistry}
 * of its own. Every lock of the registry has the client's options.
 */
@AutoConfiguration(afterName = "dev.lockkit.spring.boot.LockkitAutoConfiguration")
@ConditionalOnClass(LockRegistry.class)
public class LockkitIntegrationAutoConfiguration {

  /** Created by Spring. */
  public LockkitIntegrationAutoConfiguration() {}

  /**
   * The registry over the application's lock client.
   *
   * @param client the application's lock client
   * @return the registry
   */
  @Bean
  @ConditionalOnSingleCandidate(LockClient.class)
  @ConditionalOnMissingBean(LockRegistry.class)
  public LockkitLockRegistry lockkitLockRegistry(LockClient client) {
    return new LockkitLockRegistry(client);
  }
}
