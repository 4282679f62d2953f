package dev.lockkit.spring.scheduling;

import dev.lockkit.LockClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Locked scheduled jobs in a Boot application: when there is a {@link LockClient} bean (lockkit's own
 * auto-configuration makes one from {@code lockkit.uri}), the methods annotated with {@link ScheduledLock} run
 * under their job's lock ({@link ScheduledLockBeanPostProcessor}), each call's outcome is counted in a
 * {@link ScheduledLockStats} bean and, when Micrometer is on the class path, in the {@value
 * ScheduledLockMeters#METER} counter of the application's {@code MeterRegistry}.
 */
@AutoConfiguration(afterName = "dev.lockkit.spring.boot.LockkitAutoConfiguration")
@ConditionalOnClass({Scheduled.class, MethodInterceptor.class})
@ConditionalOnBean(LockClient.class)
public class LockkitSchedulingAutoConfiguration {

  /** Used by Spring. */
  public LockkitSchedulingAutoConfiguration() {}

  /**
   * The post-processor that puts {@link ScheduledLock} methods under their lock. Static, as post-processors must
   * be, so that it does not make this configuration an early bean.
   *
   * @param client the application's lock client
   * @param listeners the beans told each call's outcome
   * @return the post-processor
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static ScheduledLockBeanPostProcessor lockkitScheduledLockBeanPostProcessor(ObjectProvider<LockClient> client,
      ObjectProvider<ScheduledRunListener> listeners) {
    return new ScheduledLockBeanPostProcessor(client, listeners);
  }

  /**
   * The counts of the scheduled jobs' outcomes, unless the application has its own.
   *
   * @return empty counts
   */
  @Bean
  @ConditionalOnMissingBean
  ScheduledLockStats lockkitScheduledLockStats() {
    return new ScheduledLockStats();
  }

  /** The Micrometer counter, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class Meters {

    @Bean
    @ConditionalOnMissingBean
    ScheduledLockMeters lockkitScheduledLockMeters(ObjectProvider<MeterRegistry> registries) {
      return new ScheduledLockMeters(registries);
    }
  }
}
