/**
 * The Redis backend of lockkit, schemes {@code redis}, {@code rediss} and {@code redis-cluster}, on Lettuce
 * (the default) or Jedis ({@code ?driver=jedis}). Both drivers are optional dependencies: add
 * {@code io.lettuce:lettuce-core} or {@code redis.clients:jedis} to use one. See
 * {@link dev.lockkit.redis.RedisLockProvider} for the URI format.
 */
@NullMarked
package dev.lockkit.redis;

import org.jspecify.annotations.NullMarked;
