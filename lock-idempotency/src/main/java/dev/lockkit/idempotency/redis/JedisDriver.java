package dev.lockkit.idempotency.redis;

import java.util.List;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;

/** Jedis's {@link UnifiedJedis}: {@code JedisPooled}, {@code JedisCluster} (routed by the key) and the like. */
final class JedisDriver implements Driver {
  private final UnifiedJedis jedis;

  JedisDriver(UnifiedJedis jedis) {
    this.jedis = jedis;
  }

  @Override
  public @Nullable Object evalsha(String sha, Reply reply, String key, List<String> args) {
    return jedis.evalsha(sha, List.of(key), args);
  }

  @Override
  public @Nullable Object eval(String script, Reply reply, String key, List<String> args) {
    return jedis.eval(script, List.of(key), args);
  }

  @Override
  public String name() {
    return "Jedis";
  }
}
