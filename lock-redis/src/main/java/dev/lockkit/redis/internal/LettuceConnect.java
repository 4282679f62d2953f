package dev.lockkit.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Where {@link LettuceDriver} connects: the URIs of the settings, the primary that sentinels name. */
final class LettuceConnect {
  private LettuceConnect() {}

  /** The URIs to connect to: the sentinels' one URI of the primary, or each node's. */
  static List<RedisURI> uris(RedisSettings settings, Duration timeout) {
    List<RedisURI> uris = new ArrayList<>();
    if (settings.sentinel() != null) {
      uris.add(sentinelUri(settings, timeout));
    }
    for (RedisSettings.Node node : settings.sentinel() != null ? List.<RedisSettings.Node>of() : settings.nodes()) {
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
    return uris;
  }

  /**
   * {@link RedisClient#connect(io.lettuce.core.codec.RedisCodec)}, which needs the URI the client was created with:
   * lockkit cannot tell where to connect otherwise.
   *
   * @throws IllegalArgumentException if the client has no default URI
   */
  static StatefulRedisConnection<String, String> toDefaultUri(RedisClient client) {
    try {
      return client.connect(StringCodec.UTF8);
    } catch (IllegalStateException e) {
      if (String.valueOf(e.getMessage()).contains("RedisURI")) {
        throw new UnfitClient("client must be a RedisClient created with a RedisURI "
            + "(RedisClient.create(uri)): lockkit opens its connections to that URI, and this client has none", e);
      }
      throw e;
    }
  }

  /** The URI of the primary that the sentinels name: each sentinel with the sentinels' own credentials. */
  private static RedisURI sentinelUri(RedisSettings settings, Duration timeout) {
    RedisSettings.Sentinel sentinel = settings.sentinel();
    RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(sentinel.master()).withTimeout(timeout)
        .withDatabase(settings.database());
    for (RedisSettings.Node node : settings.nodes()) {
      RedisURI.Builder s = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(timeout);
      if (sentinel.password() != null) {
        s.withAuthentication(sentinel.user() == null ? "default" : sentinel.user(), sentinel.password());
      }
      b.withSentinel(s.build());
    }
    if (settings.password() != null) {
      b.withAuthentication(settings.user() == null ? "default" : settings.user(), settings.password());
    }
    return b.build();
  }

  /**
   * Asks the sentinels for the primary before connecting, within one command timeout in all, so that a connect
   * through sentinels that cannot be reached, or that monitor no such master, fails saying which. Lettuce itself
   * tries each sentinel with a timeout of its own, for each of the two connections, and then only says that it
   * could not provide the address.
   */
  static void requireMaster(RedisClient client, RedisSettings settings, RedisURI uri, Duration timeout) {
    String master = settings.sentinel().master();
    String sentinels = settings.nodes().toString();
    CompletableFuture<StatefulRedisSentinelConnection<String, String>> connecting =
        client.connectSentinelAsync(StringCodec.UTF8, uri).toCompletableFuture();
    StatefulRedisSentinelConnection<String, String> sentinel;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      sentinel = connecting.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new RedisConnectionException("could not reach any of the sentinels " + sentinels + ": " + e.getCause(),
          e.getCause());
    } catch (TimeoutException e) {
      connecting.thenAccept(StatefulRedisSentinelConnection::closeAsync);
      throw new RedisConnectionException("none of the sentinels " + sentinels + " answered within " + timeout);
    } catch (InterruptedException e) {
      connecting.thenAccept(StatefulRedisSentinelConnection::closeAsync);
      Thread.currentThread().interrupt();
      throw new RedisConnectionException("interrupted while asking the sentinels " + sentinels + " for " + master);
    }
    try {
      SocketAddress address = sentinel.async().getMasterAddrByName(master).toCompletableFuture()
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (address == null) {
        throw new RedisConnectionException("the sentinels " + sentinels + " monitor no master named '" + master
            + "' (check the name after the sentinels in the URI: it is the name in 'sentinel monitor <name> ...')");
      }
    } catch (ExecutionException e) {
      // a sentinel's error reply (NOAUTH: it needs sentinelPassword) is dug out by open(), as a server's is
      throw new RedisConnectionException("the sentinels " + sentinels + " did not name the master '" + master
          + "': " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new RedisConnectionException("the sentinels " + sentinels + " did not name the master '" + master
          + "' within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisConnectionException("interrupted while asking the sentinels " + sentinels + " for " + master);
    } finally {
      sentinel.closeAsync();
    }
  }
}
