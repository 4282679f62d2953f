/**
 * Fenced values in Redis: {@link dev.lockkit.fencing.redis.RedisFencedValues} writes a value only if the writer's
 * fencing token is greater than the one stored with it, in one Lua script that compares the tokens exactly, on
 * Lettuce or Jedis, standalone or Redis Cluster.
 */
@NullMarked
package dev.lockkit.fencing.redis;

import org.jspecify.annotations.NullMarked;
