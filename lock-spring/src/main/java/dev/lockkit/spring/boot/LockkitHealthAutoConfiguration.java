package dev.lockkit.spring.boot;

import dev.lockkit.LockClient;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.SimpleAutowireCandidateResolver;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.core.type.MethodMetadata;

/**
 * Auto-configuration of the {@code lockkit} health contributor: a {@link LockkitHealthIndicator} of the
 * application's {@link LockClient} bean (one per bean, under the bean's name, when there are several). Active when
 * Spring Boot's health API ({@code spring-boot-health}, which the actuator brings) is on the class path, a
 * {@link LockClient} bean exists, and {@code management.health.lockkit.enabled} is not false (as for Boot's own
 * indicators, {@code management.health.defaults.enabled=false} turns it off unless that property turns it on). A
 * bean of the application's own named {@code lockkitHealthIndicator} or {@code lockkitHealthContributor} replaces it.
 */
@AutoConfiguration(after = LockkitAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(LockClient.class)
@ConditionalOnEnabledHealthIndicator("lockkit")
public final class LockkitHealthAutoConfiguration {
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):");

  /** Created by Spring Boot. */
  LockkitHealthAutoConfiguration() {}

  /**
   * The health contributor of the application's lock clients.
   *
   * @param beanFactory where the {@link LockClient} beans are
   * @param properties the {@code lockkit.*} properties, for the backend of the auto-configured client
   * @return one indicator, or a composite of one per client
   */
  @Bean
  @ConditionalOnMissingBean(name = {"lockkitHealthIndicator", "lockkitHealthContributor"})
  public HealthContributor lockkitHealthContributor(ConfigurableListableBeanFactory beanFactory,
      LockkitProperties properties) {
    Map<String, LockClient> clients =
        SimpleAutowireCandidateResolver.resolveAutowireCandidates(beanFactory, LockClient.class);
    Map<String, LockkitHealthIndicator> indicators = new LinkedHashMap<>();
    clients.forEach((name, client) ->
        indicators.put(name, new LockkitHealthIndicator(client, backend(beanFactory, name, properties))));
    if (indicators.size() == 1) {
      return indicators.values().iterator().next();
    }
    return CompositeHealthContributor.fromMap(indicators);
  }

  /**
   * The scheme of {@code lockkit.uri} for the client that {@link LockkitAutoConfiguration} made from it; null for a
   * client of the application's own, whose URI is not known here.
   */
  private static @Nullable String backend(ConfigurableListableBeanFactory beanFactory, String beanName,
      LockkitProperties properties) {
    String uri = properties.getUri();
    if (uri == null || !beanFactory.containsBeanDefinition(beanName)) {
      return null;
    }
    BeanDefinition definition = beanFactory.getBeanDefinition(beanName);
    MethodMetadata factory = definition instanceof AnnotatedBeanDefinition annotated
        ? annotated.getFactoryMethodMetadata() : null;
    if (factory == null || !factory.getDeclaringClassName().equals(LockkitAutoConfiguration.class.getName())) {
      return null;
    }
    // the scheme as Locks reads it: "memory:" alone is no java.net.URI, so not through URI
    Matcher scheme = SCHEME.matcher(uri.strip());
    return scheme.lookingAt() ? scheme.group(1).toLowerCase(Locale.ROOT) : null;
  }
}
