package dev.lockkit.spring.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Puts the requests of a Spring MVC handler method (or of every handler method of a controller) under the
 * {@code Idempotency-Key} header, as draft-ietf-httpapi-idempotency-key-header describes: the first request with
 * a key runs the handler, and its response (status, headers, body) is stored and replayed, byte for byte and with
 * the header {@value IdempotencyKeyFilter#REPLAYED_HEADER}{@code : true}, to every later request with that key in
 * the same scope, without running the handler again.
 *
 * <p>Answers of {@link IdempotencyKeyFilter}, with an RFC 9457 {@code application/problem+json} body for each
 * error:
 *
 * <ul>
 *   <li>400 if the header is missing on a {@link #required()} endpoint, given twice, empty, longer than 255
 *       characters, or not a valid value;
 *   <li>409 (with {@code Retry-After}) while another request with the key is being processed, once the
 *       {@link #maxWait()} is over (at once by default);
 *   <li>422 if the key was used before for another request (another method, path, query or body);
 *   <li>413 if the body is larger than {@code lockkit.idempotency.max-body-size}; 415 for a multipart body.
 * </ul>
 *
 * <p>What is stored: a response with a status below 500 that is not one of {@link #retryStatuses()}. A 5xx
 * response, a retry status, or an exception out of the handler that no exception handler turned into a response,
 * gives the key up: the response goes to the client as it is, and a retry with the key runs the handler again.
 *
 * <p>A method's annotation replaces its controller's. Durations may contain {@code ${...}} placeholders; a bad
 * value, or an asynchronous handler (a {@code Callable}, {@code DeferredResult}, {@code CompletionStage},
 * streaming or reactive return type, whose response is not complete when the handler returns), fails the start
 * of the application with a message naming the method.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Idempotent {

  /**
   * Whether a request without an {@code Idempotency-Key} header is refused (400). When false, such a request runs
   * the handler as if it were not annotated.
   *
   * @return true (the default) to require the header
   */
  boolean required() default true;

  /**
   * How long a request waits while another request with its key is being processed, before it gets 409: a
   * duration such as {@code "0"}, {@code "500ms"} or {@code "10s"}; zero answers 409 at once, as the draft
   * says. A request that waited replays the first one's response (or runs the handler, if the first gave the key
   * up). Empty (the default) is {@code lockkit.idempotency.max-wait} (zero unless set).
   *
   * @return the longest wait, or empty for the property's
   */
  String maxWait() default "";

  /**
   * How long a stored response is replayed, from when it was stored; also the longest time a request may hold
   * its key while being processed. A duration such as {@code "24h"}; empty (the default) is
   * {@code lockkit.idempotency.retention} (24 hours unless set).
   *
   * @return the retention, or empty for the property's
   */
  String retention() default "";

  /**
   * Statuses below 500 that give the key up instead of being stored, because they tell the client to retry
   * the same request later: 408 Request Timeout, 425 Too Early and 429 Too Many Requests by default. A 5xx
   * response always gives the key up.
   *
   * @return the statuses, each from 100 to 499
   */
  int[] retryStatuses() default {408, 425, 429};
}
