package dev.lockkit.redis.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * What the backend needs from a Redis client library, and nothing more: scripts, {@code WAIT}, and
 * subscriptions. An adapter only moves bytes; scripts, key layout and waiting live in the backend. Every
 * future completes within the command timeout (the adapter configures its library so) and on the library's
 * own threads; none of these methods blocks, except where the calling thread blocks for the answer anyway
 * ({@link dev.lockkit.internal.CallerWaits}): there {@link #evalsha} and {@link #eval} may send the command on that
 * thread (Jedis) or wait for its reply on it (Lettuce), within the command timeout, so that the work that follows
 * the reply runs on the caller's thread.
 */
public interface RedisDriver {

  /** Told what arrives on the subscriptions. Called on the driver's threads; must not block. */
  interface Listener {
    /** {@code message} was published on a subscribed channel. */
    void message(String channel, String message);

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

  /**
   * Whether the driver itself fails every {@link #evalsha}/{@link #eval} that has no answer within the command
   * timeout (Lettuce's command expiry on a client lockkit configured). The backend then adds no bound of its own
   * to those: it would cost an entry in a shared set per command, twice per lock cycle. False by default.
   */
  default boolean boundsCommands() {
    return false;
  }

  /** Whether {@code failure} is the driver's own command timeout (see {@link #boundsCommands()}). */
  default boolean isTimeout(Throwable failure) {
    return false;
  }

  /** {@code EVALSHA}; the result is a script's array of integers, or fails ({@code NOSCRIPT} among others). */
  CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args);

  /** {@code EVAL}, which also caches the script on the server that runs it. */
  CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args);

  /**
   * Runs {@code script} and then, if {@code waitIf} holds for its reply, {@code WAIT replicas timeoutMillis}, both
   * on one connection that no other command uses meanwhile and that is not the one other commands share:
   * {@code WAIT} counts only the writes made on the connection that sends it, and blocks that connection until it
   * answers. The script is called by SHA and, on {@code NOSCRIPT}, sent whole on that same connection. On a
   * cluster the connection goes to the node that serves the slot of the first key; a redirection ({@code MOVED},
   * {@code ASK}) fails the call. Each command is bounded by the command timeout; a connection on which a command
   * failed or timed out is closed, never used again.
   *
   * @return the script's reply, and the count of replicas that acknowledged (-1 if no {@code WAIT} was sent)
   */
  CompletableFuture<ReplicatedReply> evalAndWait(Scripts.Script script, List<String> keys, List<String> args,
      Predicate<List<Long>> waitIf, int replicas, long timeoutMillis);

  /** Subscribes to a channel; the future completes when the server confirmed the subscription. */
  CompletableFuture<Void> subscribe(String channel);

  /** Unsubscribes from a channel. */
  CompletableFuture<Void> unsubscribe(String channel);

  /** Closes every connection and stops the driver's threads, waiting a bounded time for them. */
  void close();
}
