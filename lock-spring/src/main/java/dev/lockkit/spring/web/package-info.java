/**
 * The {@code Idempotency-Key} HTTP header on Spring MVC endpoints (draft-ietf-httpapi-idempotency-key-header):
 * {@link dev.lockkit.spring.web.Idempotent} on a handler method (or its controller) puts its requests under an
 * {@link dev.lockkit.idempotency.IdempotencyGuard}; {@link dev.lockkit.spring.web.IdempotencyKeyFilter} runs the
 * first request with a key and replays its response to the later ones; an
 * {@link dev.lockkit.spring.web.IdempotencyScopeResolver} bean says whose keys a request's are;
 * {@link dev.lockkit.spring.web.IdempotencyProperties} holds the {@code lockkit.idempotency.*} properties.
 *
 * <p>In a Boot application {@link dev.lockkit.spring.web.LockkitIdempotencyAutoConfiguration} sets this up when
 * there is a {@link dev.lockkit.LockClient} bean and an {@link dev.lockkit.idempotency.spi.IdempotencyStore} bean.
 */
@NullMarked
package dev.lockkit.spring.web;

import org.jspecify.annotations.NullMarked;
