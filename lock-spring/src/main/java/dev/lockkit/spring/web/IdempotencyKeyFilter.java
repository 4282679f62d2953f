package dev.lockkit.spring.web;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.idempotency.DuplicatePolicy;
import dev.lockkit.idempotency.FingerprintMismatchException;
import dev.lockkit.idempotency.Fingerprints;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.IdempotencyStoreException;
import dev.lockkit.idempotency.RequestInProgressException;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.spring.web.IdempotentEndpoints.Endpoint;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The servlet filter behind {@link Idempotent}: for a request whose handler is an {@link Idempotent} method, it
 * reads the {@value #HEADER} header and the body, fingerprints the request ({@link Fingerprints#sha256} of the
 * method, the path with the query, and the body), and runs the rest of the chain under an
 * {@link IdempotencyGuard}, holding the response until it is complete. The first request with a key gets the
 * handler's response; later ones get it replayed with {@value #REPLAYED_HEADER}{@code : true}. Other requests
 * pass untouched (one handler lookup each, the dispatcher's own, done once more here).
 *
 * <p>Its order is {@value #ORDER}: after Spring Security's filters (-100), so that the principal is known, and
 * before the application's filters of the default order. Boot registers it; it needs no
 * {@code FilterRegistrationBean}.
 *
 * <p>Once every singleton exists, it finds the {@link Idempotent} endpoints and checks them: a bad annotation, or
 * endpoints without an {@link IdempotencyStore} bean, fail the application's start.
 */
public final class IdempotencyKeyFilter extends OncePerRequestFilter
    implements SmartInitializingSingleton, ApplicationContextAware, Ordered {
  /** The request header. */
  public static final String HEADER = "Idempotency-Key";
  /** The header that marks a replayed response. */
  public static final String REPLAYED_HEADER = "Idempotent-Replayed";
  /** The scope of requests without a principal, when there is no {@link IdempotencyScopeResolver}. */
  public static final String DEFAULT_SCOPE = "default";
  /** This filter's order. */
  public static final int ORDER = 0;
  private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyFilter.class);

  private final LockClient locks;
  private final ObjectProvider<IdempotencyStore> stores;
  private final ObjectProvider<IdempotencyScopeResolver> scopes;
  private final IdempotencyProperties properties;
  private final Map<Endpoint, IdempotencyGuard> guards = new ConcurrentHashMap<>();
  private @Nullable ApplicationContext context;
  private volatile @Nullable IdempotentEndpoints endpoints;
  private volatile @Nullable IdempotencyScopeResolver scopeResolver;

  /**
   * A filter whose claims are leases of {@code locks} and whose records live in the store bean.
   *
   * @param locks the lock client
   * @param stores the application's {@link IdempotencyStore} bean, looked up once every singleton exists; needed
   *     only if there are {@link Idempotent} endpoints
   * @param scopes the application's {@link IdempotencyScopeResolver} bean, if any
   * @param properties the {@code lockkit.idempotency.*} properties
   */
  public IdempotencyKeyFilter(LockClient locks, ObjectProvider<IdempotencyStore> stores,
      ObjectProvider<IdempotencyScopeResolver> scopes, IdempotencyProperties properties) {
    this.locks = locks;
    this.stores = stores;
    this.scopes = scopes;
    this.properties = properties;
  }

  /**
   * Sets the context whose handler mappings are searched for {@link Idempotent} endpoints.
   *
   * @param context the application context
   */
  @Override
  public void setApplicationContext(ApplicationContext context) {
    this.context = context;
  }

  /**
   * Finds and checks the {@link Idempotent} endpoints, and makes their guards.
   *
   * @throws IllegalArgumentException if an annotation has a bad value, naming the method
   * @throws IllegalStateException if there are endpoints and no single {@link IdempotencyStore} bean
   */
  @Override
  public void afterSingletonsInstantiated() {
    ApplicationContext ctx = context;
    if (ctx == null) {
      throw new IllegalStateException("IdempotencyKeyFilter needs its ApplicationContext; declare it as a bean");
    }
    IdempotentEndpoints found = IdempotentEndpoints.scan(ctx, properties);
    if (!found.isEmpty()) {
      IdempotencyStore store = stores.getIfUnique();
      if (store == null) {
        throw new IllegalStateException(noStore(found.names(), stores.stream().count()));
      }
      for (Endpoint endpoint : found.all()) {
        guards.computeIfAbsent(endpoint, e -> IdempotencyGuard.builder(locks, store).retention(e.retention())
            .duplicates(e.maxWait().isZero() ? DuplicatePolicy.failFast() : DuplicatePolicy.waitAtMost(e.maxWait()))
            .build());
      }
      scopeResolver = scopes.getIfUnique();
      log.info("Idempotency-Key on {} endpoint(s), records in {}", found.names().size(), store);
    }
    endpoints = found;
  }

  static String noStore(List<String> endpoints, long stores) {
    return (stores == 0 ? "No dev.lockkit.idempotency.spi.IdempotencyStore bean" : stores + " IdempotencyStore"
        + " beans and none @Primary") + ", but @Idempotent endpoints need one: " + endpoints + ". Define one store"
        + " bean shared by every instance of the application (a Redis or JDBC store). MemoryIdempotencyStore"
        + " keeps the records of one JVM only: fit for tests or a single instance, not the default, because"
        + " with two instances a retry reaching the other one would run the handler again.";
  }

  /**
   * This filter's order, {@value #ORDER}.
   *
   * @return the order
   */
  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    IdempotentEndpoints found = endpoints;
    return found == null || found.isEmpty();
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    IdempotentEndpoints found = endpoints;
    Endpoint endpoint = found != null ? found.find(request) : null;
    if (endpoint == null) {
      chain.doFilter(request, response);
      return;
    }
    KeyHeader.Parsed header = KeyHeader.parse(Collections.list(request.getHeaders(HEADER)));
    if (header == null) {
      if (endpoint.required()) {
        Problems.send(request, response, HttpStatus.BAD_REQUEST, "This endpoint requires the " + HEADER
            + " header: a unique value (such as a UUID) per operation, sent again with each retry", Map.of());
      } else {
        chain.doFilter(request, response);
      }
      return;
    }
    if (header.problem() != null) {
      Problems.send(request, response, HttpStatus.BAD_REQUEST, header.problem(), Map.of());
      return;
    }
    String contentType = request.getContentType();
    if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/")) {
      Problems.send(request, response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Multipart bodies are not supported"
          + " with the " + HEADER + " header", Map.of());
      return;
    }
    int maxBody = (int) properties.getMaxBodySize().toBytes();
    if (request.getContentLengthLong() > maxBody) {
      tooLarge(request, response, maxBody);
      return;
    }
    HttpServletRequest forward = request;
    byte[] bodyPart;
    if (isForm(contentType)) {
      // the container parses a form body into parameters (a filter before this one may have done so already):
      // fingerprint the parameters, which include the query's
      bodyPart = formParameters(request);
    } else {
      byte[] body = CachedBodyRequest.readBody(request, maxBody);
      if (body == null) {
        tooLarge(request, response, maxBody);
        return;
      }
      bodyPart = body;
      forward = CachedBodyRequest.of(request, body);
    }
    String query = request.getQueryString();
    String target = request.getRequestURI() + (query != null ? "?" + query : "");
    String fingerprint = Fingerprints.sha256(request.getMethod().getBytes(StandardCharsets.UTF_8),
        target.getBytes(StandardCharsets.UTF_8), bodyPart);
    IdempotencyKey key = IdempotencyKey.of(scopeOf(request), String.valueOf(header.key()));
    new GuardedRequest(guards.get(endpoint), endpoint, key, fingerprint).run(forward, request, response, chain);
  }

  private String scopeOf(HttpServletRequest request) {
    IdempotencyScopeResolver resolver = scopeResolver;
    String scope;
    if (resolver != null) {
      scope = resolver.scopeOf(request);
      if (scope == null || scope.isEmpty()) {
        throw new IllegalStateException("The IdempotencyScopeResolver " + resolver + " gave no scope for "
            + request.getMethod() + " " + request.getRequestURI() + "; it must return a non-empty string");
      }
    } else {
      Principal principal = request.getUserPrincipal();
      scope = principal != null && principal.getName() != null && !principal.getName().isEmpty()
          ? principal.getName() : DEFAULT_SCOPE;
    }
    return fitScope(scope);
  }

  /** The scope as it is if it is a valid one, else its SHA-256. */
  static String fitScope(String scope) {
    try {
      return IdempotencyKey.of(scope, "k").scope();
    } catch (IllegalArgumentException e) {
      return Fingerprints.sha256Utf8(scope);
    }
  }

  private static boolean isForm(@Nullable String contentType) {
    return contentType != null
        && contentType.toLowerCase(java.util.Locale.ROOT).startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE);
  }

  private static byte[] formParameters(HttpServletRequest request) {
    List<byte[]> parts = new ArrayList<>();
    new TreeMap<>(request.getParameterMap()).forEach((name, values) -> {
      parts.add(name.getBytes(StandardCharsets.UTF_8));
      parts.add(String.valueOf(values.length).getBytes(StandardCharsets.UTF_8));
      for (String value : values) {
        parts.add(value.getBytes(StandardCharsets.UTF_8));
      }
    });
    return Fingerprints.sha256(parts.toArray(new byte[0][])).getBytes(StandardCharsets.UTF_8);
  }

  private static void tooLarge(HttpServletRequest request, HttpServletResponse response, int maxBody)
      throws IOException {
    Problems.send(request, response, HttpStatus.CONTENT_TOO_LARGE, "The body is larger than " + maxBody
        + " bytes, the most an endpoint with the " + HEADER + " header accepts (lockkit.idempotency.max-body-size)",
        Map.of("Connection", "close"));
  }

  static Map<String, String> retryAfter(Duration wait) {
    return Map.of("Retry-After", String.valueOf(Math.max(1, wait.toSeconds())));
  }

  /** Answers a problem for the guard's refusals and failures. */
  static void refuse(HttpServletRequest request, HttpServletResponse response, RuntimeException e,
      Endpoint endpoint, IdempotencyKey key) throws IOException {
    if (e instanceof RequestInProgressException) {
      Problems.send(request, response, HttpStatus.CONFLICT, "A request with this " + HEADER + " is being"
          + " processed; retry later to get its response", retryAfter(Duration.ofSeconds(1)));
    } else if (e instanceof FingerprintMismatchException) {
      Problems.send(request, response, HttpStatus.UNPROCESSABLE_CONTENT, "This " + HEADER + " was used for"
          + " another request (another method, path, query or body); use a new key for a new request", Map.of());
    } else if (e instanceof IdempotencyStoreException || e instanceof LockBackendException) {
      log.warn("The Idempotency-Key check of {} for {} failed", endpoint.name(), key, e);
      Problems.send(request, response, HttpStatus.SERVICE_UNAVAILABLE, "The " + HEADER + " could not be checked"
          + " (the idempotency store or the lock server did not answer); retry later with the same key",
          retryAfter(Duration.ofSeconds(1)));
    } else {
      throw e;
    }
  }
}
