package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.redis.internal.ExistingJedis;
import dev.lockkit.redis.internal.ExistingLettuce;
import dev.lockkit.redis.internal.RedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import redis.clients.jedis.UnifiedJedis;

/**
 * Lock clients on a Redis client the application already has, configured with its own TLS, credentials, pools,
 * resources and metrics: next to {@code Locks.connect("redis://...")}, which makes a driver client of lockkit's own.
 *
 * <pre>{@code
 * RedisClient redis = RedisClient.create("redis://localhost:6379");   // the application's
 * try (LockClient locks = RedisLocks.onLettuce(redis, LockOptions.defaults())) {
 *   ...
 * }                                  // closes lockkit's connections; redis stays open
 * }</pre>
 *
 * <p><b>Ownership.</b> lockkit opens connections of its own through the given client (Lettuce: a command and a
 * pub/sub connection, and for {@link Settings.Builder#waitReplicas} connections for {@code WAIT}; Jedis: it
 * borrows from the client's pools, holding one connection per subscription loop for the life of the lock client
 * and one per command while it runs) and closes them when the lock client closes. The given client, its options,
 * pools, threads and event loops are the application's: lockkit never changes or closes them, and the
 * application closes them after the lock clients built on them.
 *
 * <p><b>Timeouts.</b> Every call that lockkit makes is bounded by {@link LockOptions#commandTimeout()}, also
 * connecting, whatever the client's own timeouts are. A command that the client still runs after that is left to
 * the client's own timeout: give it one (Lettuce {@code TimeoutOptions}, Jedis socket timeouts).
 *
 * <p><b>Drivers.</b> Lettuce and Jedis are optional dependencies of lockkit: each method needs only its own
 * driver on the class path, and the methods for the two drivers have different names, so code that uses one
 * compiles without the other.
 *
 * <p>Every method throws {@link IllegalArgumentException} naming the argument when one is null or the client
 * cannot serve (see each method), and {@link dev.lockkit.LockBackendException} when the server cannot be reached
 * or refuses the connections within the command timeout, as {@code Locks.connect} does.
 */
public final class RedisLocks {
  private RedisLocks() {}

  /**
   * A lock client on a standalone Lettuce {@link RedisClient} (to one server, or to the primary that the
   * sentinels of its URI name), with default {@link Settings}.
   *
   * @param client the application's client, created with a {@code RedisURI} ({@code RedisClient.create(uri)}):
   *     lockkit connects to that URI
   * @param options the lock client's options
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null, or the client has no default URI
   * @throws dev.lockkit.LockBackendException if the server cannot be reached or refuses the connections within
   *     the command timeout
   */
  public static LockClient onLettuce(RedisClient client, LockOptions options) {
    return onLettuce(client, options, Settings.DEFAULTS);
  }

  /**
   * A lock client on a standalone Lettuce {@link RedisClient}, with the given settings; see
   * {@link #onLettuce(RedisClient, LockOptions)}.
   *
   * @param client the application's client, created with a {@code RedisURI}
   * @param options the lock client's options
   * @param settings what a URI's options would set
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null, the client has no default URI, or {@code settings}
   *     asks for {@link Settings.Builder#waitReplicas}: lockkit waits for replicas on connections of its own to
   *     the client's URI, which a {@code RedisClient} does not expose (use a URI with {@code ?waitReplicas=N})
   * @throws dev.lockkit.LockBackendException if the server cannot be reached or refuses the connections within
   *     the command timeout
   */
  public static LockClient onLettuce(RedisClient client, LockOptions options, Settings settings) {
    Checks.notNull(client, "client");
    Checks.notNull(options, "options");
    Checks.notNull(settings, "settings");
    return ExistingLettuce.connect(client, options, settings.waitReplicas, settings.fenceRetention);
  }

  /**
   * A lock client on a Lettuce {@link RedisClusterClient}, with default {@link Settings}. On a Redis 7+ cluster
   * waiters subscribe with sharded pub/sub, as with {@code redis-cluster://}.
   *
   * @param client the application's cluster client
   * @param options the lock client's options
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null
   * @throws dev.lockkit.LockBackendException if the cluster cannot be reached or refuses the connections within
   *     the command timeout
   */
  public static LockClient onLettuce(RedisClusterClient client, LockOptions options) {
    return onLettuce(client, options, Settings.DEFAULTS);
  }

  /**
   * A lock client on a Lettuce {@link RedisClusterClient}, with the given settings; see
   * {@link #onLettuce(RedisClusterClient, LockOptions)}. Connections for {@code WAIT} go to the node that serves
   * the lock's slot, with the connection settings the client's partitions table gives that node.
   *
   * @param client the application's cluster client
   * @param options the lock client's options
   * @param settings what a URI's options would set
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null
   * @throws dev.lockkit.LockBackendException if the cluster cannot be reached or refuses the connections within
   *     the command timeout
   */
  public static LockClient onLettuce(RedisClusterClient client, LockOptions options, Settings settings) {
    Checks.notNull(client, "client");
    Checks.notNull(options, "options");
    Checks.notNull(settings, "settings");
    return ExistingLettuce.connect(client, options, settings.waitReplicas, settings.fenceRetention);
  }

  /**
   * A lock client on a Jedis {@link UnifiedJedis} with default {@link Settings}: a pooled client ({@code JedisPooled},
   * or {@code RedisClient} in Jedis 8), a cluster client ({@code JedisCluster}, {@code RedisClusterClient}) or a
   * client of the primary that sentinels name ({@code JedisSentineled}, {@code RedisSentinelClient}). Jedis 5.2
   * and newer.
   *
   * <p>lockkit runs its commands through the client and borrows connections from the client's pools: one per
   * subscription loop (one loop; on a Redis 7+ cluster one per node with waiters), held while the lock client
   * lives and destroyed, not given back, when it closes; and one for each {@code WAIT} with its script. Size the
   * pools for that. A subscription loop reads with no timeout (as Jedis's own {@code subscribe} does); closing the
   * lock client closes its socket.
   *
   * @param client the application's client
   * @param options the lock client's options
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null, or the client is not over a pooled, cluster or
   *     sentineled connection provider (a {@code UnifiedJedis} on one connection cannot give lockkit the
   *     connection of its own that subscriptions need)
   * @throws IllegalStateException if the Jedis on the class path is older than 5.2
   * @throws dev.lockkit.LockBackendException if the server cannot be reached or refuses the client within the
   *     command timeout
   */
  public static LockClient onJedis(UnifiedJedis client, LockOptions options) {
    return onJedis(client, options, Settings.DEFAULTS);
  }

  /**
   * A lock client on a Jedis {@link UnifiedJedis}, with the given settings; see
   * {@link #onJedis(UnifiedJedis, LockOptions)}.
   *
   * @param client the application's client
   * @param options the lock client's options
   * @param settings what a URI's options would set
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null, or the client is not over a pooled, cluster or
   *     sentineled connection provider
   * @throws IllegalStateException if the Jedis on the class path is older than 5.2
   * @throws dev.lockkit.LockBackendException if the server cannot be reached or refuses the client within the
   *     command timeout
   */
  public static LockClient onJedis(UnifiedJedis client, LockOptions options, Settings settings) {
    Checks.notNull(client, "client");
    Checks.notNull(options, "options");
    Checks.notNull(settings, "settings");
    return ExistingJedis.connect(client, options, settings.waitReplicas, settings.fenceRetention);
  }

  /**
   * What a Redis URI's options set beyond the connection, for lock clients on an existing client: the same
   * settings, checked the same way, as {@code ?waitReplicas=} and {@code ?fenceRetention=} (see
   * {@link RedisLockProvider}). Immutable.
   */
  public static final class Settings {
    /** No replica acknowledgement, fence keys kept an hour: what a URI without options gets. */
    public static final Settings DEFAULTS = builder().build();

    private final int waitReplicas;
    private final Duration fenceRetention;

    private Settings(Builder b) {
      this.waitReplicas = b.waitReplicas;
      this.fenceRetention = b.fenceRetention;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
      return new Builder();
    }

    /**
     * Replicas that must acknowledge an acquisition before it is reported.
     *
     * @return the count, 0 for none
     */
    public int waitReplicas() {
      return waitReplicas;
    }

    /**
     * How long a fence key is kept after the last acquisition of its name.
     *
     * @return the retention
     */
    public Duration fenceRetention() {
      return fenceRetention;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Settings s && s.waitReplicas == waitReplicas && s.fenceRetention.equals(fenceRetention);
    }

    @Override
    public int hashCode() {
      return 31 * waitReplicas + fenceRetention.hashCode();
    }

    @Override
    public String toString() {
      return "RedisLocks.Settings{waitReplicas=" + waitReplicas + ", fenceRetention=" + fenceRetention + "}";
    }

    /** Builds {@link Settings}; each setting may be set once, and {@link #build} checks them. */
    public static final class Builder {
      private int waitReplicas;
      private boolean waitReplicasSet;
      private Duration fenceRetention = RedisSettings.DEFAULT_FENCE_RETENTION;
      private boolean fenceRetentionSet;

      private Builder() {}

      /**
       * Reports an acquisition only once {@code WAIT} confirmed that this many replicas have it; else it is
       * released again and the attempt fails. As {@code ?waitReplicas=N}.
       *
       * @param replicas 0 (the default: no waiting) or more
       * @return this builder
       * @throws IllegalStateException if set before
       */
      public Builder waitReplicas(int replicas) {
        Checks.state(!waitReplicasSet, "waitReplicas was set already, to %s", waitReplicas);
        this.waitReplicas = replicas;
        this.waitReplicasSet = true;
        return this;
      }

      /**
       * How long a fence key is kept after the last acquisition of its name; as {@code ?fenceRetention=}.
       *
       * @param retention 1 s to 3650 days; one hour by default
       * @return this builder
       * @throws IllegalStateException if set before
       */
      public Builder fenceRetention(Duration retention) {
        Checks.state(!fenceRetentionSet, "fenceRetention was set already, to %s", fenceRetention);
        this.fenceRetention = retention;
        this.fenceRetentionSet = true;
        return this;
      }

      /**
       * The settings.
       *
       * @return the settings
       * @throws IllegalArgumentException naming a setting out of its bounds (null, a negative waitReplicas, a
       *     fenceRetention outside 1 s to 3650 days)
       */
      public Settings build() {
        Checks.argument(waitReplicas >= 0, "waitReplicas must not be negative, was %s", waitReplicas);
        RedisSettings.checkFenceRetention(fenceRetention);
        return new Settings(this);
      }
    }
  }
}
