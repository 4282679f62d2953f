package dev.lockkit.spring.scheduling;

import dev.lockkit.LockClient;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;

/**
 * Puts the methods annotated with {@link ScheduledLock} under their job's lock: a bean post-processor that
 * checks each such method's annotation when its bean is post-processed (a bad value fails the start, naming the
 * method, the attribute and the value), then proxies the bean with an advisor whose interceptor takes the lock
 * around each call. Plain Spring AOP: a CGLIB proxy of the bean, no AspectJ weaving.
 *
 * <p>It runs before Spring's {@code ScheduledAnnotationBeanPostProcessor}, so that the scheduler calls the
 * proxy; on a bean that another post-processor already proxied (transactions, say) it adds its advisor first,
 * so that the lock is taken before, and released after, whatever the other advice does.
 *
 * <p>Without Boot's auto-configuration, register one as a {@code static @Bean} together with a
 * {@link LockClient} bean and, for the counts, a {@link ScheduledLockStats} bean.
 */
public final class ScheduledLockBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
    implements EnvironmentAware, SmartInitializingSingleton {
  private static final long serialVersionUID = 1L;

  /**
   * This post-processor's order: after the auto-proxy creators (whose proxies it adds its advisor to), before
   * the {@code ScheduledAnnotationBeanPostProcessor} ({@link Ordered#LOWEST_PRECEDENCE}), which must see the
   * proxy so that scheduled calls go through it.
   */
  public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

  private final transient ObjectProvider<LockClient> client;
  private final transient ObjectProvider<ScheduledRunListener> listenerBeans;
  private final transient Map<Method, ScheduledJob> jobs = new ConcurrentHashMap<>();
  private final transient Set<Class<?>> withoutJobs = ConcurrentHashMap.newKeySet();
  private transient Environment environment = new StandardEnvironment();
  private transient volatile @Nullable List<ScheduledRunListener> listeners;

  /**
   * A post-processor for the application's lock client and run listeners.
   *
   * @param client the {@link LockClient} bean whose locks the jobs take, looked up when the first bean with a
   *     {@link ScheduledLock} method is post-processed
   * @param listeners the beans told each call's outcome (such as {@link ScheduledLockStats}); looked up on each
   *     call until every singleton is instantiated, then once for good
   */
  public ScheduledLockBeanPostProcessor(ObjectProvider<LockClient> client,
      ObjectProvider<ScheduledRunListener> listeners) {
    this.client = client;
    this.listenerBeans = listeners;
    ScheduledLockInterceptor interceptor = new ScheduledLockInterceptor(this::jobOf, this::listeners);
    // checkInherited: an annotation on an interface's or superclass's declaration of the method counts too
    this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, ScheduledLock.class, true),
        interceptor);
    setBeforeExistingAdvisors(true);
    // the scheduler calls the method found on the bean's class: the proxy must be a subclass, not an interface
    setProxyTargetClass(true);
    setOrder(ORDER);
  }

  /**
   * Sets the environment that resolves the placeholders of the annotations.
   *
   * @param environment the application's environment
   */
  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  /**
   * Checks the {@link ScheduledLock} methods of the bean, then proxies it if it has any.
   *
   * @param bean the bean
   * @param beanName its name
   * @return the bean, or its proxy
   * @throws IllegalArgumentException if an annotation has a bad value, naming the method, the attribute and the
   *     value
   */
  @Override
  public @Nullable Object postProcessAfterInitialization(Object bean, String beanName) {
    Class<?> type = AopUtils.getTargetClass(bean);
    if (!withoutJobs.contains(type)) {
      Map<Method, ScheduledLock> annotated = AnnotationUtils.isCandidateClass(type, ScheduledLock.class)
          ? MethodIntrospector.selectMethods(type, (MethodIntrospector.MetadataLookup<ScheduledLock>)
              m -> AnnotatedElementUtils.findMergedAnnotation(m, ScheduledLock.class))
          : Map.of();
      if (annotated.isEmpty()) {
        withoutJobs.add(type);
      }
      annotated.forEach((method, annotation) -> jobs.computeIfAbsent(method, m -> resolve(m, annotation)));
    }
    return super.postProcessAfterInitialization(bean, beanName);
  }

  /** Freezes the list of run listeners, now that every singleton exists. */
  @Override
  public void afterSingletonsInstantiated() {
    listeners = listenerBeans.orderedStream().toList();
  }

  private ScheduledJob resolve(Method method, ScheduledLock annotation) {
    LockClient lockClient = client.getIfAvailable();
    if (lockClient == null) {
      throw new IllegalStateException("@ScheduledLock on " + method.getDeclaringClass().getName() + "."
          + method.getName() + " needs a dev.lockkit.LockClient bean, and there is none (or more than one"
          + " without a @Primary)");
    }
    return ScheduledJob.resolve(method, annotation, environment, lockClient);
  }

  /** The job of a call: resolved when its bean was post-processed, or now for a method reached otherwise. */
  private ScheduledJob jobOf(MethodInvocation invocation) {
    Object target = invocation.getThis();
    Class<?> type = target != null ? AopUtils.getTargetClass(target) : invocation.getMethod().getDeclaringClass();
    Method method = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(invocation.getMethod(),
        type));
    ScheduledJob job = jobs.get(method);
    if (job != null) {
      return job;
    }
    return jobs.computeIfAbsent(method, m -> {
      ScheduledLock annotation = AnnotatedElementUtils.findMergedAnnotation(m, ScheduledLock.class);
      if (annotation == null) {
        // the pointcut matched, so this cannot happen; running the method unlocked would be worse than failing
        throw new IllegalStateException("no @ScheduledLock found on " + m + ", whose call was intercepted");
      }
      return resolve(m, annotation);
    });
  }

  private List<ScheduledRunListener> listeners() {
    List<ScheduledRunListener> frozen = listeners;
    return frozen != null ? frozen : listenerBeans.orderedStream().toList();
  }
}
