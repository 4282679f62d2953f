/**
 * The Redis backend's engine, not API: the URI settings, the Lua scripts and key layout, the waiting logic
 * with shared subscriptions, and the small {@link dev.lockkit.redis.internal.RedisDriver} interface with its
 * Lettuce and Jedis adapters.
 */
@NullMarked
package dev.lockkit.redis.internal;

import org.jspecify.annotations.NullMarked;
