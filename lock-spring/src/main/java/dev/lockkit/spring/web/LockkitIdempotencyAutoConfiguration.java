package dev.lockkit.spring.web;

import dev.lockkit.LockClient;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import jakarta.servlet.Filter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The {@code Idempotency-Key} header on the {@link Idempotent} endpoints of a Spring MVC application, when
 * {@code lock-idempotency} is on the class path: an {@link IdempotencyKeyFilter} bean (Boot registers it with the
 * servlet container) on the application's one {@link LockClient} and one {@link IdempotencyStore} bean, with the
 * {@code lockkit.idempotency.*} properties ({@link IdempotencyProperties}) and the application's
 * {@link IdempotencyScopeResolver} bean, if any.
 *
 * <p>There is no default store: the application defines one, shared by its instances (a Redis or JDBC store;
 * {@code MemoryIdempotencyStore} for tests or a single instance). Without a store, or without a {@link LockClient}
 * (no {@code lockkit.uri}), an application with {@link Idempotent} endpoints fails to start with a message saying
 * what is missing, rather than leaving the annotations without effect; an application without such endpoints
 * starts as usual.
 */
@AutoConfiguration(afterName = "dev.lockkit.spring.boot.LockkitAutoConfiguration")
@ConditionalOnClass({IdempotencyGuard.class, DispatcherServlet.class, Filter.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(IdempotencyProperties.class)
public class LockkitIdempotencyAutoConfiguration {

  /** Created by Spring. */
  public LockkitIdempotencyAutoConfiguration() {}

  /**
   * The filter, unless the application defines its own.
   *
   * @param locks the application's lock client
   * @param stores the application's store bean
   * @param scopes the application's scope resolver bean, if any
   * @param properties the {@code lockkit.idempotency.*} properties
   * @return the filter
   */
  @Bean
  @ConditionalOnSingleCandidate(LockClient.class)
  @ConditionalOnMissingBean(IdempotencyKeyFilter.class)
  public IdempotencyKeyFilter lockkitIdempotencyKeyFilter(LockClient locks, ObjectProvider<IdempotencyStore> stores,
      ObjectProvider<IdempotencyScopeResolver> scopes, IdempotencyProperties properties) {
    return new IdempotencyKeyFilter(locks, stores, scopes, properties);
  }

  /**
   * Without a filter (no single {@link LockClient}): fails the start if there are {@link Idempotent} endpoints.
   *
   * @param properties the {@code lockkit.idempotency.*} properties
   * @return the check
   */
  @Bean
  @ConditionalOnMissingBean(IdempotencyKeyFilter.class)
  static IdempotentEndpointsCheck lockkitIdempotentEndpointsCheck(IdempotencyProperties properties) {
    return new IdempotentEndpointsCheck(properties);
  }

  /** Fails the start if there are {@link Idempotent} endpoints but no filter to serve them. */
  static final class IdempotentEndpointsCheck implements SmartInitializingSingleton, ApplicationContextAware {
    private final IdempotencyProperties properties;
    private ApplicationContext context;

    IdempotentEndpointsCheck(IdempotencyProperties properties) {
      this.properties = properties;
    }

    @Override
    public void setApplicationContext(ApplicationContext context) {
      this.context = context;
    }

    @Override
    public void afterSingletonsInstantiated() {
      IdempotentEndpoints endpoints = IdempotentEndpoints.scan(context, properties);
      if (!endpoints.isEmpty()) {
        long clients = context.getBeanProvider(LockClient.class).stream().count();
        throw new IllegalStateException("@Idempotent endpoints need a dev.lockkit.LockClient bean, and there "
            + (clients == 0 ? "is none (set lockkit.uri, or define one)" : "are " + clients
                + " without a @Primary") + ": " + endpoints.names());
      }
    }
  }
}
