package dev.lockkit.redis.internal;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.spi.LockClients;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;

/**
 * Lock clients on an application's Lettuce client (see {@link dev.lockkit.redis.RedisLocks}). Apart from the
 * Jedis side so that linking one never loads the other driver's classes.
 */
public final class ExistingLettuce {
  private ExistingLettuce() {}

  /** A lock client on a standalone (or sentinel) {@link RedisClient}; see {@link dev.lockkit.redis.RedisLocks}. */
  public static LockClient connect(RedisClient client, LockOptions options, int waitReplicas,
      Duration fenceRetention) {
    // WAIT needs connections that never reconnect (a WAIT on a new socket counts none of the script's writes),
    // opened to the client's URI with its credentials: a RedisClient does not tell its URI
    Checks.argument(waitReplicas == 0, "waitReplicas is not supported with a Lettuce RedisClient (was %s): lockkit "
        + "waits for replicas on connections of its own to the client's RedisURI, which a RedisClient does not "
        + "expose; use Locks.connect(\"redis://...?waitReplicas=%s\") or a RedisClusterClient", waitReplicas,
        waitReplicas);
    RedisSettings settings = RedisSettings.existing("redis (an application's Lettuce RedisClient)", false,
        RedisSettings.LETTUCE, waitReplicas, fenceRetention);
    return LockClients.create(options, context -> RedisBackend.open(settings, context,
        (s, timeout, info, listener) -> LettuceDriver.borrow(client, timeout, info, listener)));
  }

  /** A lock client on a {@link RedisClusterClient}; see {@link dev.lockkit.redis.RedisLocks}. */
  public static LockClient connect(RedisClusterClient client, LockOptions options, int waitReplicas,
      Duration fenceRetention) {
    RedisSettings settings = RedisSettings.existing("redis-cluster (an application's Lettuce RedisClusterClient)",
        true, RedisSettings.LETTUCE, waitReplicas, fenceRetention);
    return LockClients.create(options, context -> RedisBackend.open(settings, context,
        (s, timeout, info, listener) -> LettuceDriver.borrow(client, timeout, info, listener)));
  }
}
