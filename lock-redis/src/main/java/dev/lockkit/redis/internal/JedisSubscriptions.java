package dev.lockkit.redis.internal;

import java.util.concurrent.CompletableFuture;

/** How the Jedis adapter subscribes: plain channels on one connection, or shard channels per node. */
interface JedisSubscriptions {
  /** Subscribes; completes when the server confirmed. */
  CompletableFuture<Void> subscribe(String channel);

  /** Unsubscribes, without waiting for the server. */
  void unsubscribe(String channel);

  /** Closes every subscription connection and stops the threads. */
  void close();
}
