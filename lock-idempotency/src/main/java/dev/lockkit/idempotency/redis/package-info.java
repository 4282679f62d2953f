/**
 * An idempotency store in Redis, {@link dev.lockkit.idempotency.redis.RedisIdempotencyStore}: every operation
 * one Lua script on one key, on Lettuce or Jedis, standalone or Redis Cluster, with fences compared exactly as
 * decimal strings and expiry on the server's clock.
 */
@NullMarked
package dev.lockkit.idempotency.redis;

import org.jspecify.annotations.NullMarked;
