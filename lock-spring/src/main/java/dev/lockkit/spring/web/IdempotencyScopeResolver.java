package dev.lockkit.spring.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Says whose keys a request's {@code Idempotency-Key} is among: two requests with the same key in different scopes
 * are two requests, each run once. Define one as a bean (the tenant, the API client, the account); without one, the
 * scope is the request's authenticated principal's name ({@link HttpServletRequest#getUserPrincipal()}), or
 * {@value IdempotencyKeyFilter#DEFAULT_SCOPE} for an anonymous request, so that anonymous clients share one key
 * space.
 *
 * <p>A scope longer than 64 characters, or with control characters, is replaced by its SHA-256 (64 hex digits).
 */
@FunctionalInterface
public interface IdempotencyScopeResolver {

  /**
   * The scope of a request to an {@link Idempotent} endpoint. Called before the handler runs, once per request.
   * An exception thrown here goes to the servlet container as the request's failure; nothing is stored.
   *
   * @param request the request
   * @return the scope, not empty
   */
  String scopeOf(HttpServletRequest request);
}
