package dev.lockkit.redis.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the backend needs from a Redis client library, and nothing more: scripts, {@code WAIT}, and
 * subscriptions. An adapter only moves bytes; scripts, key layout and waiting live in the backend. Every
 * future completes within the command timeout (the adapter configures its library so) and on the library's
 * own threads; none of these methods blocks.
 */
public interface RedisDriver {

  /** Told what arrives on the subscriptions. Called on the driver's threads; must not block. */
  interface Listener {
    /** A message was published on a subscribed channel. */
    void message(String channel);

    /**
     * The server confirmed a subscription to {@code channel}: every one, the first (whose future
     * {@link #subscribe} completes too) and each one the driver sent again by itself (after a reconnect, or
     * on the new owner of a moved slot). From then on a publish reaches the driver; one made before it did not.
     */
    void subscribed(String channel);
  }

  /**
   * The lockkit client a driver serves.
   *
   * @param clientId the client's id, for connection and thread names
   * @param namespace the client's namespace: every key and channel the driver touches lives under it
   */
  record ClientInfo(String clientId, String namespace) {}

  /** Opens a driver: connects (bounded by the command timeout) or throws. */
  @FunctionalInterface
  interface Factory {
    RedisDriver open(RedisSettings settings, java.time.Duration commandTimeout, ClientInfo client, Listener listener);
  }

  /**
   * Whether subscriptions are sharded ({@code SSUBSCRIBE}) and releases must use {@code SPUBLISH}: on a
   * Redis 7+ cluster. Decided at connect, the same way by every driver, so that mixed clients agree.
   */
  boolean sharded();

  /** {@code EVALSHA}; the result is a script's array of integers, or fails ({@code NOSCRIPT} among others). */
  CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args);

  /** {@code EVAL}, which also caches the script on the server that runs it. */
  CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args);

  /** {@code WAIT replicas timeout} on the server that holds {@code key}; the count of replicas that acked. */
  CompletableFuture<Long> waitReplicas(String key, int replicas, long timeoutMillis);

  /** Subscribes to a channel; the future completes when the server confirmed the subscription. */
  CompletableFuture<Void> subscribe(String channel);

  /** Unsubscribes from a channel. */
  CompletableFuture<Void> unsubscribe(String channel);

  /** Closes every connection and stops the driver's threads, waiting a bounded time for them. */
  void close();
}
