package dev.lockkit.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Lettuce adapter: one command connection and one pub/sub connection, standalone or cluster. */
final class LettuceDriver implements RedisDriver {
  private static final Logger log = LoggerFactory.getLogger(LettuceDriver.class);

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;
  private final RedisScriptingAsyncCommands<String, String> scripting;
  private final StatefulRedisPubSubConnection<String, String> pubsub;
  private final Duration timeout;
  private final boolean sharded;
  /** The shard channels wanted (subscribed and not unsubscribed by us), to tell the server's unsubscribing. */
  private final Set<String> shardChannels = ConcurrentHashMap.newKeySet();
  private volatile boolean opened;

  private LettuceDriver(RedisSettings settings, Duration timeout, Listener listener) {
    this.timeout = timeout;
    this.resources = DefaultClientResources.builder().ioThreadPoolSize(2)
        .computationThreadPoolSize(2).build(); // Lettuce's minimum: asked for 1 it says so at INFO on every connect
    List<RedisURI> uris = new ArrayList<>();
    for (RedisSettings.Node node : settings.nodes()) {
      RedisURI.Builder b = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(timeout)
          .withSsl(settings.tls());
      if (settings.password() != null) {
        b.withAuthentication(settings.user() == null ? "default" : settings.user(), settings.password());
      }
      if (!settings.cluster()) {
        b.withDatabase(settings.database());
      }
      uris.add(b.build());
    }
    SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    SslOptions ssl = settings.trustPem() == null ? SslOptions.create()
        : SslOptions.builder().jdkSslProvider().trustManager(settings.trustPem().toFile()).build();
    AbstractRedisClient created = null;
    StatefulConnection<String, String> conn = null;
    StatefulRedisPubSubConnection<String, String> ps = null;
    try {
      if (settings.cluster()) {
        RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
        created = cluster;
        cluster.setOptions(ClusterClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
            .sslOptions(ssl).build()); // node connections open lazily: commands wait for them, bounded by timeouts
        StatefulRedisClusterConnection<String, String> c = cluster.connect(StringCodec.UTF8);
        conn = c;
        this.scripting = c.async();
        this.sharded = RedisBackend.hasShardedPubSub(c.sync().info("server"));
        ps = cluster.connectPubSub(StringCodec.UTF8);
      } else {
        RedisClient standalone = RedisClient.create(resources, uris.get(0));
        created = standalone;
        standalone.setOptions(ClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
            .sslOptions(ssl).disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        StatefulRedisConnection<String, String> c = standalone.connect(StringCodec.UTF8);
        conn = c;
        this.scripting = c.async();
        this.sharded = false;
        ps = standalone.connectPubSub(StringCodec.UTF8);
      }
      // Lettuce subscribes again by itself after a reconnect: the confirmations, not the connect, tell when a
      // release would reach the waiters again
      ps.addListener(new RedisPubSubAdapter<String, String>() {
        @Override
        public void message(String channel, String message) {
          listener.message(channel);
        }

        @Override
        public void smessage(String channel, String message) {
          listener.message(channel);
        }

        @Override
        public void subscribed(String channel, long count) {
          listener.subscribed(channel);
        }

        @Override
        public void ssubscribed(String channel, long count) {
          listener.subscribed(channel);
        }

        @Override
        public void sunsubscribed(String channel, long count) {
          shardChannelUnsubscribed(channel);
        }
      });
    } catch (RuntimeException | Error e) {
      closeQuietly(ps);
      closeQuietly(conn);
      shutdown(created, resources);
      throw e;
    }
    this.client = created;
    this.connection = conn;
    this.pubsub = ps;
    this.opened = true;
  }

  /** Connects, or throws the driver's exception, or a {@link RefusedConnect} with the server's error reply. */
  static RedisDriver open(RedisSettings settings, Duration timeout, ClientInfo client, Listener listener) {
    try {
      return new LettuceDriver(settings, timeout, listener);
    } catch (RuntimeException e) {
      throw RefusedConnect.find(e, RedisCommandExecutionException.class);
    }
  }

  @Override
  public CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args) {
    return scripting.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys.toArray(String[]::new),
        args.toArray(String[]::new)).toCompletableFuture().thenApply(Replies::longs);
  }

  @Override
  public CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args) {
    return scripting.<List<Object>>eval(script, ScriptOutputType.MULTI, keys.toArray(String[]::new),
        args.toArray(String[]::new)).toCompletableFuture().thenApply(Replies::longs);
  }

  @Override
  public CompletableFuture<Long> waitReplicas(String key, int replicas, long timeoutMillis) {
    if (connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
      RedisClusterNode node = cluster.getPartitions().getPartitionBySlot(SlotHash.getSlot(key));
      if (node == null) {
        return CompletableFuture.failedFuture(new IllegalStateException("no cluster node serves the slot of " + key));
      }
      return cluster.getConnectionAsync(node.getNodeId())
          .thenCompose(c -> c.async().waitForReplication(replicas, timeoutMillis).toCompletableFuture());
    }
    @SuppressWarnings("unchecked")
    StatefulRedisConnection<String, String> standalone = (StatefulRedisConnection<String, String>) connection;
    return standalone.async().waitForReplication(replicas, timeoutMillis).toCompletableFuture();
  }

  @Override
  public boolean sharded() {
    return sharded;
  }

  @Override
  public CompletableFuture<Void> subscribe(String channel) {
    if (!sharded) {
      return pubsub.async().subscribe(channel).toCompletableFuture();
    }
    shardChannels.add(channel);
    // the cluster pub/sub connection routes SSUBSCRIBE to the node that owns the channel's slot
    return pubsub.async().ssubscribe(channel).toCompletableFuture();
  }

  @Override
  public CompletableFuture<Void> unsubscribe(String channel) {
    if (!sharded) {
      return pubsub.async().unsubscribe(channel).toCompletableFuture();
    }
    shardChannels.remove(channel);
    return pubsub.async().sunsubscribe(channel).toCompletableFuture();
  }

  /**
   * A shard channel was unsubscribed: by us, or by the server when the channel's slot moved to another node
   * (Redis 7 sends {@code SUNSUBSCRIBE} then, and Lettuce forgets the channel). One still wanted is subscribed
   * again; the old node answers {@code MOVED}, which Lettuce follows to the slot's new owner. A channel
   * unsubscribed by us and wanted again at once may be sent twice, which the server takes as once.
   */
  private void shardChannelUnsubscribed(String channel) {
    if (!opened || !shardChannels.contains(channel)) {
      return;
    }
    log.debug("{} was unsubscribed by the server (its slot moved?); subscribing again", channel);
    pubsub.async().ssubscribe(channel).toCompletableFuture().whenComplete((ok, e) -> {
      if (e != null) {
        log.debug("Subscribing again to {} failed", channel, e);
      }
    });
  }

  @Override
  public void close() {
    opened = false;
    closeQuietly(pubsub);
    closeQuietly(connection);
    shutdown(client, resources);
  }

  private static void closeQuietly(@Nullable StatefulConnection<?, ?> c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (RuntimeException e) {
      log.debug("Closing a Lettuce connection failed", e);
    }
  }

  private void shutdown(@Nullable AbstractRedisClient c, ClientResources r) {
    try {
      if (c != null) {
        c.shutdown(Duration.ZERO, timeout);
      }
    } catch (RuntimeException e) {
      log.debug("Shutting down the Lettuce client failed", e);
    }
    try {
      r.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS).await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("Shutting down Lettuce's threads failed", e);
    }
  }
}
