package dev.lockkit.redis.internal;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.spi.LockClients;
import java.time.Duration;
import redis.clients.jedis.UnifiedJedis;

/**
 * Lock clients on an application's Jedis client (see {@link dev.lockkit.redis.RedisLocks}). Apart from the
 * Lettuce side so that linking one never loads the other driver's classes.
 */
public final class ExistingJedis {
  private ExistingJedis() {}

  /** A lock client on a {@link UnifiedJedis}; see {@link dev.lockkit.redis.RedisLocks}. */
  public static LockClient connect(UnifiedJedis client, LockOptions options, int waitReplicas,
      Duration fenceRetention) {
    JedisVersion.requireSupported(ExistingJedis.class.getClassLoader());
    RedisSettings settings = RedisSettings.existing("redis (an application's Jedis " + client.getClass().getSimpleName()
        + ")", false, RedisSettings.JEDIS, waitReplicas, fenceRetention);
    return LockClients.create(options, context -> RedisBackend.open(settings, context,
        (s, timeout, info, listener) -> JedisDriver.borrow(client, s, timeout, info, listener)));
  }
}
