package dev.lockkit.idempotency.redis;

import dev.lockkit.redis.testing.RedisCluster;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;

/**
 * The four ways the tests reach Redis: Lettuce and Jedis, each on the shared standalone server and on the shared
 * three-master cluster. Clients are made per store and closed by {@link #close()}; a test class holds one
 * instance and closes it after all its tests.
 */
final class RedisStores implements AutoCloseable {
  enum Setup {
    LETTUCE_STANDALONE,
    LETTUCE_CLUSTER,
    JEDIS_STANDALONE,
    JEDIS_CLUSTER;

    boolean cluster() {
      return this == LETTUCE_CLUSTER || this == JEDIS_CLUSTER;
    }
  }

  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** A store with the default options on a client of its own. */
  RedisIdempotencyStore store(Setup setup) {
    return store(setup, UnaryOperator.identity());
  }

  /** A store on a client of its own, with the options {@code options} sets. */
  synchronized RedisIdempotencyStore store(Setup setup, UnaryOperator<RedisIdempotencyStore.Builder> options) {
    return options.apply(builder(setup)).build();
  }

  private RedisIdempotencyStore.Builder builder(Setup setup) {
    switch (setup) {
      case LETTUCE_STANDALONE -> {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", server().port()));
        toClose.add(client::shutdown);
        StatefulRedisConnection<String, String> c = client.connect();
        toClose.add(c);
        return RedisIdempotencyStore.onLettuce(c.sync());
      }
      case LETTUCE_CLUSTER -> {
        RedisClusterClient client = RedisClusterClient.create(cluster().nodes().stream()
            .map(n -> RedisURI.create("127.0.0.1", n.port())).toList());
        toClose.add(client::shutdown);
        StatefulRedisClusterConnection<String, String> c = client.connect();
        toClose.add(c);
        return RedisIdempotencyStore.onLettuce(c.sync());
      }
      case JEDIS_STANDALONE -> {
        redis.clients.jedis.RedisClient jedis = redis.clients.jedis.RedisClient.create("127.0.0.1", server().port());
        toClose.add(jedis);
        return RedisIdempotencyStore.onJedis(jedis);
      }
      case JEDIS_CLUSTER -> {
        Set<HostAndPort> seeds = cluster().nodes().stream().map(n -> new HostAndPort("127.0.0.1", n.port()))
            .collect(Collectors.toSet());
        redis.clients.jedis.RedisClusterClient jedis = redis.clients.jedis.RedisClusterClient.create(seeds);
        toClose.add(jedis);
        return RedisIdempotencyStore.onJedis(jedis);
      }
      default -> throw new IllegalArgumentException(setup.toString());
    }
  }

  /** A raw connection to the node that holds {@code key}. */
  static Resp nodeOf(Setup setup, String key) {
    return setup.cluster() ? cluster().nodeOf(key).resp() : server().resp();
  }

  /** {@code SCRIPT FLUSH} on every node the setup talks to. */
  static void flushScripts(Setup setup) {
    for (RedisServer node : setup.cluster() ? cluster().nodes() : List.of(server())) {
      try (Resp r = node.resp()) {
        r.call("SCRIPT", "FLUSH");
      }
    }
  }

  private static RedisServer server() {
    return SharedServers.standalone();
  }

  private static RedisCluster cluster() {
    return SharedServers.cluster();
  }

  @Override
  public synchronized void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    toClose.clear();
  }
}
