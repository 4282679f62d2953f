package dev.lockkit.redis.internal;

import dev.lockkit.internal.CallerWaits;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.providers.ConnectionProvider;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The Jedis adapter. Jedis blocks, so a command runs on the driver's own small pool of daemon threads (one pooled
 * connection each), unless its caller blocks for the answer anyway ({@link CallerWaits}): then on the caller's
 * thread. The subscription runs on a {@link JedisSubscriber} thread.
 */
final class JedisDriver implements RedisDriver {
  private static final Logger log = LoggerFactory.getLogger(JedisDriver.class);
  private static final int MAX_CONCURRENT = 64;
  /** Commands beyond {@link #MAX_CONCURRENT} wait here; each is still bounded by the command timeout. */
  private static final int MAX_QUEUED = 100_000;

  private final UnifiedJedis jedis;
  /** Whether {@link #jedis} is the driver's, to close on close, or the application's, left alone. */
  private final boolean owned;
  /** A connection of {@link #jedis}'s pools for the key's node; closing it gives it back. */
  private final Function<String, Connection> borrow;
  private final ThreadPoolExecutor executor;
  /** Commands sent on their callers' threads now ({@link CallerWaits}), at most {@link #MAX_CONCURRENT}. */
  private final Semaphore inline = new Semaphore(MAX_CONCURRENT);
  private final JedisSubscriptions subscriber;
  private final boolean sharded;
  private final Duration timeout;

  private JedisDriver(RedisSettings settings, Duration timeout, String clientId, String namespace,
      Listener listener) {
    this.timeout = timeout;
    JedisClientConfig config = JedisClients.config(settings, timeout, clientId);
    // Jedis's own pool defaults: an evictor closes connections idle for a minute and checks the others
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(2 * MAX_CONCURRENT); // the driver's threads and as many callers sending on their own
    // Every connection that callers used at once stays for the next commands. A pool that keeps fewer idle than
    // its callers use closes one on its way back and opens another for the next command: with 16 threads on
    // distinct locks, a TCP connect, and a client for the server to set up, every few hundred commands.
    pool.setMaxIdle(2 * MAX_CONCURRENT);
    pool.setMaxWait(timeout);
    pool.setJmxEnabled(false);
    Set<HostAndPort> nodes = new LinkedHashSet<>();
    for (RedisSettings.Node node : settings.nodes()) {
      nodes.add(new HostAndPort(node.host(), node.port()));
    }
    JedisClients.Cluster cluster = null;
    JedisClients.Sentineled sentineled = null;
    if (settings.cluster()) {
      cluster = new JedisClients.Cluster(nodes, config, 2, timeout, pool);
      this.jedis = cluster;
    } else if (settings.sentinel() != null) {
      sentineled = JedisClients.Sentineled.connect(settings, config,
          JedisClients.sentinelConfig(settings, timeout, clientId), pool);
      this.jedis = sentineled;
    } else {
      this.jedis = JedisClients.standalone(nodes.iterator().next(), config, pool);
    }
    try {
      jedis.ping(); // Jedis connects lazily: fail now on a wrong password or a dead server
      this.sharded = cluster != null && RedisBackend.hasShardedPubSub(cluster.serverInfo());
    } catch (RuntimeException e) {
      jedis.close();
      throw e;
    }
    this.owned = true;
    UnifiedJedis own = jedis;
    this.borrow = key -> JedisClients.borrow(own, key);
    this.executor = newExecutor(clientId);
    JedisClients.Sentineled primary = sentineled;
    Supplier<Connection> connector = primary != null
        ? () -> new Connection(primary.currentMaster(), config) // after a failover, the new primary
        : () -> firstReachable(nodes, config);
    String threadName = "lockkit-" + clientId + "-jedis-pubsub";
    if (sharded) {
      JedisClients.Cluster owners = cluster;
      // a read of the channel's name as a key goes to the slot's owner as Jedis knows it; a MOVED renews its
      // slot table (the name lies under the namespace, as every key lockkit touches)
      this.subscriber = new JedisShardedSubscriber(channel -> owners.ownerOf(JedisClusterCRC16.getSlot(channel)),
          owners::pttl, node -> new Connection(node, config), listener, timeout, threadName);
    } else {
      this.subscriber = new JedisSubscriber(connector, settings.describe(), namespace, listener, timeout, threadName);
    }
  }

  /**
   * A driver on the application's client: commands go through it, and the connections that must be lockkit's
   * alone (one per subscription loop, one per {@code WAIT} with its script) are borrowed from its pools through
   * its connection provider. A subscription connection is destroyed, never given back, when its loop ends.
   */
  private JedisDriver(UnifiedJedis existing, ConnectionProvider provider, Duration timeout, String clientId,
      String namespace, String description, Listener listener) {
    this.timeout = timeout;
    this.jedis = existing;
    this.owned = false;
    ClusterConnectionProvider cluster = provider instanceof ClusterConnectionProvider c ? c : null;
    this.sharded = BoundedConnect.within(timeout, "lockkit-" + clientId + "-connect", () -> {
      existing.ping(); // fail now on a wrong password or a dead server
      return cluster != null && RedisBackend.hasShardedPubSub(JedisClients.serverInfo(provider));
    }, ignored -> {});
    this.borrow = cluster != null ? key -> cluster.getConnectionFromSlot(JedisClusterCRC16.getSlot(key))
        : key -> provider.getConnection();
    this.executor = newExecutor(clientId);
    String threadName = "lockkit-" + clientId + "-jedis-pubsub";
    if (sharded) {
      this.subscriber = new JedisShardedSubscriber(
          channel -> JedisClients.ownerOf(cluster, JedisClusterCRC16.getSlot(channel)), existing::pttl,
          node -> JedisClients.pooled(cluster, node), listener, timeout, threadName);
    } else {
      // on a sentinel provider, its pool follows the primary the sentinels name
      this.subscriber = new JedisSubscriber(provider::getConnection, description, namespace, listener, timeout,
          threadName);
    }
  }

  private static ThreadPoolExecutor newExecutor(String clientId) {
    AtomicInteger threads = new AtomicInteger();
    // More callers than connections (64 threads on one lock, say) queue for a connection instead of failing
    ThreadPoolExecutor executor = new ThreadPoolExecutor(MAX_CONCURRENT, MAX_CONCURRENT, 1, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(MAX_QUEUED), r -> {
          Thread t = new Thread(r, "lockkit-" + clientId + "-jedis-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /**
   * Connects through the application's client, or throws the driver's exception, or a {@link RefusedConnect} with
   * the server's error reply.
   *
   * @throws UnfitClient if the client's connection provider is not one lockkit can borrow connections from
   */
  static RedisDriver borrow(UnifiedJedis existing, RedisSettings settings, Duration timeout, ClientInfo client,
      Listener listener) {
    ConnectionProvider provider = JedisClients.providerOf(existing);
    if (!(provider instanceof PooledConnectionProvider || provider instanceof ClusterConnectionProvider
        || provider instanceof SentineledConnectionProvider)) {
      throw new UnfitClient("client must be a pooled, cluster or sentineled UnifiedJedis (JedisPooled or "
          + "RedisClient, JedisCluster or RedisClusterClient, JedisSentineled or RedisSentinelClient): lockkit "
          + "borrows a connection of its own from the client's pool for its subscriptions, which " + existing.getClass()
          .getName() + " over a " + provider.getClass().getName() + " does not offer");
    }
    try {
      return new JedisDriver(existing, provider, timeout, client.clientId(), client.namespace(), settings.describe(),
          listener);
    } catch (RuntimeException e) {
      throw RefusedConnect.find(e, JedisDataException.class);
    }
  }

  private static Connection firstReachable(Set<HostAndPort> nodes, JedisClientConfig config) {
    RuntimeException last = null;
    for (HostAndPort node : nodes) {
      try {
        return new Connection(node, config);
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw last == null ? new IllegalStateException("no node to subscribe on") : last;
  }

  /** Connects, or throws the driver's exception, or a {@link RefusedConnect} with the server's error reply. */
  static RedisDriver open(RedisSettings settings, Duration timeout, ClientInfo client, Listener listener) {
    try {
      return new JedisDriver(settings, timeout, client.clientId(), client.namespace(), listener);
    } catch (RuntimeException e) {
      throw RefusedConnect.find(e, JedisDataException.class);
    }
  }

  @Override
  public boolean sharded() {
    return sharded;
  }

  @Override
  public CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args) {
    return call(() -> Replies.longs(jedis.evalsha(sha, keys, args)));
  }

  @Override
  public CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args) {
    return call(() -> Replies.longs(jedis.eval(script, keys, args)));
  }

  /**
   * One task, one connection borrowed from the pool (on a cluster, of the node that serves the first key's slot)
   * for both commands: {@code WAIT} counts only the writes of its own connection. A connection whose command timed
   * out is broken, and the pool drops it when it is given back.
   */
  @Override
  public CompletableFuture<ReplicatedReply> evalAndWait(Scripts.Script script, List<String> keys, List<String> args,
      Predicate<List<Long>> waitIf, int replicas, long timeoutMillis) {
    return call(() -> {
      try (Connection c = borrow.apply(keys.get(0))) {
        List<Long> reply;
        try {
          reply = Replies.longs(c.executeCommand(script(Protocol.Command.EVALSHA, script.sha(), keys, args)));
        } catch (JedisDataException e) {
          if (!RedisBackend.isNoScript(e)) {
            throw e;
          }
          reply = Replies.longs(c.executeCommand(script(Protocol.Command.EVAL, script.source(), keys, args)));
        }
        if (!waitIf.test(reply)) {
          return new ReplicatedReply(reply, -1);
        }
        Object acked = c.executeCommand(new CommandArguments(Protocol.Command.WAIT).add(replicas).add(timeoutMillis));
        if (!(acked instanceof Long count)) {
          throw new IllegalStateException("WAIT answered " + acked + " instead of a count of replicas");
        }
        return new ReplicatedReply(reply, count);
      }
    });
  }

  private static CommandArguments script(Protocol.Command command, String script, List<String> keys,
      List<String> args) {
    CommandArguments a = new CommandArguments(command).add(script).add(keys.size());
    keys.forEach(a::add);
    args.forEach(a::add);
    return a;
  }

  @Override
  public CompletableFuture<Void> subscribe(String channel) {
    return subscriber.subscribe(channel);
  }

  @Override
  public CompletableFuture<Void> unsubscribe(String channel) {
    subscriber.unsubscribe(channel);
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Runs a command on the driver's threads. A command that waited in the queue past the command timeout is not
   * sent: its caller has given up, and a try of the acquire script sent that late would win a lock after its
   * clean-up release, or a release would arrive out of order.
   */
  private <T> CompletableFuture<T> call(Supplier<T> command) {
    // A caller that blocks for this answer anyway sends it on its own thread: the socket's timeout (the command
    // timeout) bounds it as on the driver's threads, and it spares two thread switches. Not on an interrupted
    // thread (a wait for a pooled connection would fail on the interrupt), nor beyond MAX_CONCURRENT at once.
    if (CallerWaits.now() && !Thread.currentThread().isInterrupted() && inline.tryAcquire()) {
      try {
        return CompletableFuture.completedFuture(command.get());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      } finally {
        inline.release();
      }
    }
    long queuedAt = System.nanoTime();
    try {
      return CompletableFuture.supplyAsync(() -> {
        if (System.nanoTime() - queuedAt >= timeout.toNanos()) {
          throw new IllegalStateException("not sent: the command waited longer than the command timeout ("
              + timeout + ") for one of the Jedis driver's " + MAX_CONCURRENT + " connections");
        }
        return command.get();
      }, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "the Jedis driver is closed or has " + MAX_QUEUED + " commands queued already", e));
    }
  }

  @Override
  public void close() {
    subscriber.close();
    executor.shutdown();
    if (owned) {
      try {
        jedis.close();
      } catch (RuntimeException e) {
        log.debug("Closing Jedis failed", e);
      }
    }
    try {
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
