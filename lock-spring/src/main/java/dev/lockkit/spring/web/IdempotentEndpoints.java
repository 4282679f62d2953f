package dev.lockkit.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.ApplicationContext;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpEntity;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.handler.AbstractHandlerMethodMapping;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * The {@link Idempotent} handler methods of an application, found in its handler mappings once every singleton
 * exists, each with its settings checked; and, per request, the endpoint that will handle it, found by asking the
 * same handler mappings in the dispatcher's order.
 */
final class IdempotentEndpoints {
  private static final Logger log = LoggerFactory.getLogger(IdempotentEndpoints.class);
  private static final List<Class<?>> ASYNC_TYPES = List.of(Callable.class, DeferredResult.class,
      WebAsyncTask.class, CompletionStage.class, Future.class, StreamingResponseBody.class,
      ResponseBodyEmitter.class);

  /** One {@link Idempotent} handler method and its resolved settings. */
  record Endpoint(String name, boolean required, Duration maxWait, Duration retention, Set<Integer> retryStatuses) {
    /** Whether a response with this status gives the key up instead of being stored. */
    boolean releases(int status) {
      return status >= 500 || retryStatuses.contains(status);
    }
  }

  private final List<HandlerMapping> mappings;
  private final Map<Method, Endpoint> endpoints;

  private IdempotentEndpoints(List<HandlerMapping> mappings, Map<Method, Endpoint> endpoints) {
    this.mappings = mappings;
    this.endpoints = endpoints;
  }

  /**
   * Finds the {@link Idempotent} endpoints of the context's handler mappings (those a {@code DispatcherServlet}
   * detects: every {@link HandlerMapping} bean, in order).
   *
   * @throws IllegalArgumentException if an annotation has a bad value, or is on an asynchronous handler, naming
   *     the method
   */
  static IdempotentEndpoints scan(ApplicationContext context, IdempotencyProperties properties) {
    List<HandlerMapping> mappings = new ArrayList<>(
        BeanFactoryUtils.beansOfTypeIncludingAncestors(context, HandlerMapping.class, true, false).values());
    AnnotationAwareOrderComparator.sort(mappings);
    Environment environment = context.getEnvironment();
    Map<Method, Endpoint> found = new LinkedHashMap<>();
    for (HandlerMapping mapping : mappings) {
      if (mapping instanceof AbstractHandlerMethodMapping<?> methods) {
        for (HandlerMethod handler : methods.getHandlerMethods().values()) {
          Method method = handler.getMethod();
          Idempotent annotation = AnnotatedElementUtils.findMergedAnnotation(method, Idempotent.class);
          if (annotation == null) {
            annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), Idempotent.class);
          }
          if (annotation != null && !found.containsKey(method)) {
            found.put(method, resolve(handler, annotation, environment, properties));
          }
        }
      }
    }
    if (!found.isEmpty()) {
      log.debug("@Idempotent endpoints: {}", found.values());
    }
    return new IdempotentEndpoints(List.copyOf(mappings), Map.copyOf(found));
  }

  /** Whether there are no {@link Idempotent} endpoints. */
  boolean isEmpty() {
    return endpoints.isEmpty();
  }

  /** The endpoints' names ({@code Controller.method}), for messages. */
  List<String> names() {
    return endpoints.values().stream().map(Endpoint::name).sorted().toList();
  }

  /** The endpoints' settings. */
  List<Endpoint> all() {
    return List.copyOf(endpoints.values());
  }

  /**
   * The endpoint that will handle the request, or null if its handler is not {@link Idempotent}, it has none,
   * or the lookup failed (the dispatcher then answers it as usual: 404, 405, 415...).
   */
  @Nullable Endpoint find(HttpServletRequest request) {
    if (endpoints.isEmpty() || CorsUtils.isPreFlightRequest(request)) {
      return null;
    }
    LookupRequest lookup = new LookupRequest(request);
    try {
      ServletRequestPathUtils.parseAndCache(lookup);
      for (HandlerMapping mapping : mappings) {
        HandlerExecutionChain chain = mapping.getHandler(lookup);
        if (chain != null) {
          return chain.getHandler() instanceof HandlerMethod handler ? endpoints.get(handler.getMethod()) : null;
        }
      }
    } catch (Exception e) {
      log.debug("No handler found for {} {} before dispatch: {}", request.getMethod(), request.getRequestURI(),
          e.toString());
    }
    return null;
  }

  private static Endpoint resolve(HandlerMethod handler, Idempotent annotation, Environment environment,
      IdempotencyProperties properties) {
    Method method = handler.getMethod();
    String name = handler.getBeanType().getName() + "." + method.getName();
    String where = "@Idempotent on " + name;
    Class<?> async = asyncType(method);
    if (async != null) {
      throw new IllegalArgumentException(where + ": the method returns " + async.getName()
          + ", whose response is written after the method returns; @Idempotent needs the response complete when"
          + " the handler returns (return the value itself, or a ResponseEntity of it)");
    }
    Duration maxWait = duration(where, "maxWait", annotation.maxWait(), environment, properties.getMaxWait());
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException(where + ": maxWait must be zero or positive, was " + maxWait);
    }
    Duration retention = duration(where, "retention", annotation.retention(), environment,
        properties.getRetention());
    if (retention.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(where + ": retention must be at least 1ms, was " + retention);
    }
    for (int status : annotation.retryStatuses()) {
      if (status < 100 || status > 499) {
        throw new IllegalArgumentException(where + ": retryStatuses must be 100 to 499 (5xx always give the key"
            + " up), was " + status);
      }
    }
    Set<Integer> retry = Arrays.stream(annotation.retryStatuses()).boxed().collect(Collectors.toUnmodifiableSet());
    return new Endpoint(name, annotation.required(), maxWait, retention, retry);
  }

  private static Duration duration(String where, String attribute, String value, Environment environment,
      Duration otherwise) {
    if (value.isEmpty()) {
      return otherwise;
    }
    try {
      return DurationStyle.detectAndParse(environment.resolveRequiredPlaceholders(value).strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + attribute + " = \"" + value + "\" is not a duration such"
          + " as 0, 500ms, 10s or PT10S (" + e.getMessage() + ")", e);
    }
  }

  /** The asynchronous type the method returns (directly or in a ResponseEntity), or null. */
  private static @Nullable Class<?> asyncType(Method method) {
    ResolvableType type = ResolvableType.forMethodReturnType(method);
    Class<?> raw = type.resolve(Object.class);
    if (HttpEntity.class.isAssignableFrom(raw)) {
      raw = type.as(HttpEntity.class).getGeneric(0).resolve(Object.class);
    }
    for (Class<?> async : ASYNC_TYPES) {
      if (async.isAssignableFrom(raw)) {
        return async;
      }
    }
    return ReactiveAdapterRegistry.getSharedInstance().getAdapter(raw) != null ? raw : null;
  }
}
