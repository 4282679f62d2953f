package dev.lockkit.redis.internal;

import dev.lockkit.internal.CallerWaits;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
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
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lettuce adapter: one command connection and one pub/sub connection, standalone, cluster, or to the primary
 * that sentinels name, and for acquisitions that wait for replicas connections of their own
 * ({@link LettuceWaitConnections}).
 */
final class LettuceDriver implements RedisDriver {
  private static final Logger log = LoggerFactory.getLogger(LettuceDriver.class);
  /** The longest wait between two reconnects through sentinels. */
  private static final Duration SENTINEL_MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

  /** The driver's own client resources (threads); null on an application's client, whose resources are its own. */
  private final @Nullable ClientResources resources;
  private final AbstractRedisClient client;
  /** Whether {@link #client} is the driver's, to shut down on close, or the application's, left alone. */
  private final boolean owned;
  private final StatefulConnection<String, String> connection;
  private final RedisScriptingAsyncCommands<String, String> scripting;
  private final StatefulRedisPubSubConnection<String, String> pubsub;
  private final Duration timeout;
  private final boolean sharded;
  private final LettuceWaitConnections waits;
  /** The shard channels wanted (subscribed and not unsubscribed by us), to tell the server's unsubscribing. */
  private final Set<String> shardChannels = ConcurrentHashMap.newKeySet();
  private volatile boolean opened;

  private LettuceDriver(RedisSettings settings, Duration timeout, Listener listener) {
    this.timeout = timeout;
    DefaultClientResources.Builder resourceBuilder = DefaultClientResources.builder().ioThreadPoolSize(2)
        .computationThreadPoolSize(2); // Lettuce's minimum: asked for 1 it says so at INFO on every connect
    if (settings.sentinel() != null) {
      // each reconnect asks the sentinels for the primary; Lettuce's default backoff grows to 30 s, and the
      // attempts made while the sentinels still name the dead primary would push the switch to the new one late
      resourceBuilder.reconnectDelay(Delay.exponential(Duration.ofMillis(1), SENTINEL_MAX_RECONNECT_DELAY, 2,
          TimeUnit.MILLISECONDS));
    }
    this.resources = resourceBuilder.build();
    List<RedisURI> uris = LettuceConnect.uris(settings, timeout);
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
        // through sentinels, each connect and reconnect of both connections goes to the primary they name then
        RedisClient standalone = RedisClient.create(resources, uris.get(0));
        created = standalone;
        standalone.setOptions(ClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts)
            .sslOptions(ssl).disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        if (settings.sentinel() != null) {
          LettuceConnect.requireMaster(standalone, settings, uris.get(0), timeout);
        }
        StatefulRedisConnection<String, String> c = standalone.connect(StringCodec.UTF8);
        conn = c;
        this.scripting = c.async();
        this.sharded = false;
        ps = standalone.connectPubSub(StringCodec.UTF8);
      }
      listen(ps, listener);
    } catch (RuntimeException | Error e) {
      closeQuietly(ps);
      closeQuietly(conn);
      shutdown(created, resources);
      throw e;
    }
    this.client = created;
    this.owned = true;
    this.connection = conn;
    this.pubsub = ps;
    this.waits = new LettuceWaitConnections(created, uris.get(0), resources, timeout);
    this.opened = true;
  }

  /**
   * A driver on the application's client: its connections (commands, pub/sub, and for {@code WAIT} the
   * connections {@link LettuceWaitConnections} opens) are opened through that client and are the driver's; the
   * client, its options and its resources are not, and are never changed or shut down. Each connect is bounded by
   * the command timeout, whatever the client's own timeouts are.
   */
  private LettuceDriver(AbstractRedisClient existing, Duration timeout, String clientId, Listener listener) {
    this.timeout = timeout;
    this.resources = null;
    this.client = existing;
    this.owned = false;
    String threadName = "lockkit-" + clientId + "-connect";
    StatefulConnection<String, String> conn = null;
    StatefulRedisPubSubConnection<String, String> ps = null;
    try {
      if (existing instanceof RedisClusterClient cluster) {
        StatefulRedisClusterConnection<String, String> c = BoundedConnect.within(timeout, threadName,
            () -> cluster.connect(StringCodec.UTF8), StatefulConnection::closeAsync);
        conn = c;
        c.setTimeout(timeout);
        this.scripting = c.async();
        this.sharded = RedisBackend.hasShardedPubSub(c.sync().info("server"));
        ps = BoundedConnect.within(timeout, threadName, () -> cluster.connectPubSub(StringCodec.UTF8),
            StatefulConnection::closeAsync);
      } else {
        RedisClient standalone = (RedisClient) existing;
        StatefulRedisConnection<String, String> c = BoundedConnect.within(timeout, threadName,
            () -> LettuceConnect.toDefaultUri(standalone), StatefulConnection::closeAsync);
        conn = c;
        c.setTimeout(timeout);
        this.scripting = c.async();
        this.sharded = false;
        ps = BoundedConnect.within(timeout, threadName, () -> standalone.connectPubSub(StringCodec.UTF8),
            StatefulConnection::closeAsync);
      }
      ps.setTimeout(timeout);
      listen(ps, listener);
    } catch (RuntimeException | Error e) {
      closeQuietly(ps);
      closeQuietly(conn);
      throw e;
    }
    this.connection = conn;
    this.pubsub = ps;
    this.waits = new LettuceWaitConnections(existing, null, existing.getResources(), timeout);
    this.opened = true;
  }

  /** Tells the listener what the pub/sub connection hears. */
  private void listen(StatefulRedisPubSubConnection<String, String> ps, Listener listener) {
    // Lettuce subscribes again by itself after a reconnect: the confirmations, not the connect, tell when a
    // release would reach the waiters again
    ps.addListener(new RedisPubSubAdapter<String, String>() {
      @Override
      public void message(String channel, String message) {
        listener.message(channel, message);
      }

      @Override
      public void smessage(String channel, String message) {
        listener.message(channel, message);
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
  }

  /**
   * Connects through the application's client (a {@link RedisClient} with a default URI, or a
   * {@link RedisClusterClient}), or throws the driver's exception, or a {@link RefusedConnect} with the server's
   * error reply.
   */
  static RedisDriver borrow(AbstractRedisClient existing, Duration timeout, ClientInfo client, Listener listener) {
    try {
      return new LettuceDriver(existing, timeout, client.clientId(), listener);
    } catch (RuntimeException e) {
      throw RefusedConnect.find(e, RedisCommandExecutionException.class);
    }
  }

  /** Connects, or throws the driver's exception, or a {@link RefusedConnect} with the server's error reply. */
  static RedisDriver open(RedisSettings settings, Duration timeout, ClientInfo client, Listener listener) {
    try {
      return new LettuceDriver(settings, timeout, listener);
    } catch (RuntimeException e) {
      throw RefusedConnect.find(e, RedisCommandExecutionException.class);
    }
  }

  /** On its own client, with {@code TimeoutOptions.enabled(timeout)}; an application's client keeps its options. */
  @Override
  public boolean boundsCommands() {
    return owned;
  }

  @Override
  public boolean isTimeout(Throwable failure) {
    return failure instanceof io.lettuce.core.RedisCommandTimeoutException;
  }

  @Override
  public CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args) {
    return answered(scripting.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys.toArray(String[]::new),
        args.toArray(String[]::new)));
  }

  @Override
  public CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args) {
    return answered(scripting.<List<Object>>eval(script, ScriptOutputType.MULTI, keys.toArray(String[]::new),
        args.toArray(String[]::new)));
  }

  /**
   * The reply as integers. A caller that blocks for it anyway ({@link CallerWaits}) waits for it here, so that
   * what follows the reply (the backend's and the core's work up to the caller's lease) runs on the caller's
   * thread, as a synchronous Lettuce call would, and not on the connection's one I/O thread, through which every
   * thread's replies pass: with many threads that thread became the bottleneck. The wait is bounded by the command
   * timeout; an interrupt ends it (the flag kept), and the reply is then handled where it arrives.
   */
  private CompletableFuture<List<Long>> answered(RedisFuture<List<Object>> reply) {
    if (CallerWaits.now()) {
      try {
        reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // the future carries the failure; a command still unanswered is bounded as any other
      }
    }
    return reply.toCompletableFuture().thenApply(Replies::longs);
  }

  @Override
  public CompletableFuture<ReplicatedReply> evalAndWait(Scripts.Script script, List<String> keys, List<String> args,
      Predicate<List<Long>> waitIf, int replicas, long timeoutMillis) {
    return waits.evalAndWait(script, keys, args, waitIf, replicas, timeoutMillis);
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
    waits.close();
    closeQuietly(pubsub);
    closeQuietly(connection);
    if (owned) {
      shutdown(client, resources);
    }
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

  private void shutdown(@Nullable AbstractRedisClient c, @Nullable ClientResources r) {
    try {
      if (c != null) {
        c.shutdown(Duration.ZERO, timeout);
      }
    } catch (RuntimeException e) {
      log.debug("Shutting down the Lettuce client failed", e);
    }
    if (r == null) {
      return;
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
