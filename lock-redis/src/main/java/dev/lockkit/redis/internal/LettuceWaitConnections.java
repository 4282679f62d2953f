package dev.lockkit.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lettuce driver's connections for {@link RedisDriver#evalAndWait}: a script and the {@code WAIT} after it on
 * one connection of their own. {@code WAIT} blocks its connection until it answers, so it must not go out on the
 * connection every other command of the client shares; and it counts only that connection's writes, so it must
 * follow the script on the same one.
 *
 * <p>Per node (the standalone server, or the cluster node that serves a key's slot, from the partitions table) a
 * connection is opened on demand ({@code connectAsync}) with the driver's client resources and options, and up to
 * {@link #MAX_IDLE} idle ones are kept for the next acquisitions. A connection on which a command failed or timed
 * out is closed: a {@code WAIT} may still block it on the server. The connections do not reconnect by themselves:
 * a {@code WAIT} sent on a new socket after a reconnect would count none of the script's writes.
 */
final class LettuceWaitConnections {
  private static final Logger log = LoggerFactory.getLogger(LettuceWaitConnections.class);
  /** Idle connections kept per node; more at once are opened for the moment and closed after use. */
  static final int MAX_IDLE = 4;

  private final AbstractRedisClient driverClient;
  private final @Nullable RedisURI seed;
  private final ClientResources resources;
  private final Duration timeout;

  // guarded by this
  private final Map<String, Deque<StatefulRedisConnection<String, String>>> idle = new HashMap<>();
  private @Nullable RedisClient client;
  private boolean closed;

  /**
   * @param driverClient the driver's client: its options, and on a cluster its partitions table
   * @param seed a URI of the deployment: credentials, TLS, timeout and database; a node's host and port replace its
   *     own. Null for an application's cluster client, whose partitions table has each node's URI with the seed's
   *     connection settings; a standalone client without one cannot wait for replicas
   * @param resources the driver's client resources (threads), shared
   * @param timeout the command timeout, which also bounds closing
   */
  LettuceWaitConnections(AbstractRedisClient driverClient, @Nullable RedisURI seed, ClientResources resources,
      Duration timeout) {
    this.driverClient = driverClient;
    this.seed = seed;
    this.resources = resources;
    this.timeout = timeout;
  }

  /** See {@link RedisDriver#evalAndWait}. */
  CompletableFuture<ReplicatedReply> evalAndWait(Scripts.Script script, List<String> keys, List<String> args,
      Predicate<List<Long>> waitIf, int replicas, long timeoutMillis) {
    RedisURI node;
    try {
      node = nodeOf(keys.get(0));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String address = node.getHost() + ":" + node.getPort();
    return borrow(address, node).thenCompose(c -> {
      CompletableFuture<ReplicatedReply> done;
      try {
        done = run(c.async(), script, keys.toArray(String[]::new), args.toArray(String[]::new), waitIf, replicas,
            timeoutMillis);
      } catch (RuntimeException e) {
        done = CompletableFuture.failedFuture(e);
      }
      return done.whenComplete((r, e) -> giveBack(address, c, e == null));
    });
  }

  private static CompletableFuture<ReplicatedReply> run(RedisAsyncCommands<String, String> commands,
      Scripts.Script script, String[] keys, String[] args, Predicate<List<Long>> waitIf, int replicas,
      long timeoutMillis) {
    return commands.<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, keys, args).toCompletableFuture()
        .exceptionallyCompose(e -> RedisBackend.isNoScript(e)
            ? commands.<List<Object>>eval(script.source(), ScriptOutputType.MULTI, keys, args).toCompletableFuture()
            : CompletableFuture.failedFuture(e))
        .thenApply(Replies::longs)
        .thenCompose(reply -> waitIf.test(reply)
            ? commands.waitForReplication(replicas, timeoutMillis).toCompletableFuture()
                .thenApply(acked -> new ReplicatedReply(reply, acked))
            : CompletableFuture.completedFuture(new ReplicatedReply(reply, -1)));
  }

  /** The standalone server, or the cluster node that serves the slot of {@code key} as the partitions table says. */
  private RedisURI nodeOf(String key) {
    if (!(driverClient instanceof RedisClusterClient cluster)) {
      if (seed == null) {
        throw new IllegalStateException("no URI to open connections for WAIT to");
      }
      return seed;
    }
    RedisClusterNode node = cluster.getPartitions().getPartitionBySlot(SlotHash.getSlot(key));
    if (node == null) {
      throw new IllegalStateException("no cluster node serves the slot of " + key);
    }
    if (seed == null) {
      return RedisURI.builder(node.getUri()).withTimeout(timeout).build();
    }
    return RedisURI.builder(seed).withHost(node.getUri().getHost()).withPort(node.getUri().getPort()).build();
  }

  private CompletableFuture<StatefulRedisConnection<String, String>> borrow(String address, RedisURI node) {
    RedisClient c;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the Lettuce driver is closed"));
      }
      Deque<StatefulRedisConnection<String, String>> free = idle.get(address);
      while (free != null && !free.isEmpty()) {
        StatefulRedisConnection<String, String> connection = free.pollFirst();
        if (connection.isOpen()) {
          return CompletableFuture.completedFuture(connection);
        }
        connection.closeAsync();
      }
      c = client();
    }
    return c.connectAsync(StringCodec.UTF8, node).toCompletableFuture();
  }

  private synchronized void giveBack(String address, StatefulRedisConnection<String, String> connection,
      boolean healthy) {
    Deque<StatefulRedisConnection<String, String>> free = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
    if (healthy && !closed && connection.isOpen() && free.size() < MAX_IDLE) {
      free.offerFirst(connection);
    } else {
      connection.closeAsync(); // on Lettuce's I/O thread here: never the blocking close
    }
  }

  /** A client of single nodes with the driver's resources and options, but no reconnecting (see the class). */
  private RedisClient client() {
    RedisClient c = client;
    if (c == null) {
      c = RedisClient.create(resources);
      c.setOptions(ClientOptions.copyOf(driverClient.getOptions()).mutate().autoReconnect(false).build());
      client = c;
    }
    return c;
  }

  /**
   * Closes every connection, idle or in use, waiting at most the command timeout; a connection that an
   * acquisition opens after this is refused, as the driver's client resources are shut down next.
   */
  void close() {
    RedisClient c;
    List<StatefulRedisConnection<String, String>> free = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(free::addAll);
      idle.clear();
      c = client;
    }
    free.forEach(StatefulRedisConnection::closeAsync);
    if (c != null) {
      try {
        c.shutdown(Duration.ZERO, timeout); // also closes the connections in use and ones still opening
      } catch (RuntimeException e) {
        log.debug("Shutting down the Lettuce client of WAIT connections failed", e);
      }
    }
  }
}
