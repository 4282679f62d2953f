package dev.lockkit.fencing.redis;

import dev.lockkit.fencing.FencingException;
import dev.lockkit.fencing.redis.Driver.Reply;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;

/**
 * Values in Redis that only newer fencing tokens overwrite. Each value lives in a hash of its own key,
 * {@code value} and {@code fence} (the decimal token of the write that stored it); {@link #set} writes only if
 * the writer's token is greater than the stored fence, in one Lua script, comparing the tokens exactly over the
 * whole positive {@code long} range (as decimal strings, never as Lua's doubles, which cannot tell
 * 2<sup>53</sup> from 2<sup>53</sup> + 1).
 *
 * <pre>{@code
 * RedisFencedValues values = RedisFencedValues.onLettuce(connection.sync());
 * try (Lease lease = locks.lock("report/7").acquire(Duration.ofSeconds(5))) {
 *   if (!values.set("report/7", render(), lease.fencingToken())) {
 *     // a newer holder wrote first: this lease is stale
 *   }
 * }
 * }</pre>
 *
 * <p>Every operation touches one key, so Redis Cluster takes any key. Scripts are called by SHA, and sent whole
 * when the server answers {@code NOSCRIPT} (after a restart, a failover or {@code SCRIPT FLUSH}), which caches
 * them again. Timeouts are the client's own. Thread-safe as the client is (both are).
 */
public final class RedisFencedValues {
  /** TTLs above this are cut to it, so that Redis's expiry time cannot overflow. */
  private static final long MAX_TTL_MILLIS = Duration.ofDays(365L * 100_000).toMillis();

  private final Driver driver;
  private final String client;

  private RedisFencedValues(Driver driver, String client) {
    this.driver = driver;
    this.client = client;
  }

  /**
   * Fenced values on a Lettuce connection's synchronous commands: {@code connection.sync()} of a
   * {@code StatefulRedisConnection<String, String>} (standalone, Sentinel) or of a
   * {@code StatefulRedisClusterConnection<String, String>} (Redis Cluster, which routes each script by its key).
   *
   * @param commands the commands, with a {@code String} codec
   * @return the fenced values
   * @throws IllegalArgumentException if {@code commands} is null
   */
  public static RedisFencedValues onLettuce(RedisScriptingCommands<String, String> commands) {
    return new RedisFencedValues(new LettuceDriver(nonNull("commands", commands)), "Lettuce");
  }

  /**
   * Fenced values on a Jedis {@link UnifiedJedis}: {@code JedisPooled}, {@code JedisCluster}, {@code RedisClient}
   * or {@code RedisClusterClient}.
   *
   * @param jedis the client
   * @return the fenced values
   * @throws IllegalArgumentException if {@code jedis} is null
   */
  public static RedisFencedValues onJedis(UnifiedJedis jedis) {
    return new RedisFencedValues(new JedisDriver(nonNull("jedis", jedis)), "Jedis");
  }

  /**
   * Stores {@code value} under {@code key} with the token as its fence, if no fence is stored or the stored one
   * is below the token. The key keeps no TTL (an earlier one is removed, as {@code SET} does).
   *
   * @param key the key
   * @param value the value
   * @param token the writer's fencing token ({@code lease.fencingToken()}), positive
   * @return {@code true} if written; {@code false} if the stored fence is equal to or above the token: a newer
   *     holder wrote (or deleted) first, and the writer has lost the resource
   * @throws IllegalArgumentException if the key or value is null, the key empty, or the token not positive
   * @throws FencingException if Redis answered an error (the key holds no hash, a fence not written here) or
   *     could not be reached
   */
  public boolean set(String key, String value, long token) {
    return write(key, value, token, 0L);
  }

  /**
   * As {@link #set(String, String, long)}, and the key expires after {@code ttl}: then value and fence are gone,
   * and any token may write again. Choose a TTL longer than any lease whose holder might still write.
   *
   * @param key the key
   * @param value the value
   * @param token the writer's fencing token, positive
   * @param ttl how long the key lives from this write; positive, below a millisecond counts as one
   * @return {@code true} if written; {@code false} if the stored fence is equal to or above the token
   * @throws IllegalArgumentException if an argument is null, the key empty, or the token or TTL not positive
   * @throws FencingException if Redis answered an error or could not be reached
   */
  public boolean set(String key, String value, long token, Duration ttl) {
    return write(key, value, token, ttlMillis("ttl", ttl));
  }

  /**
   * The value under {@code key} and its fence.
   *
   * @param key the key
   * @return the value and the token that stored it; empty if there is none (never written, expired, deleted)
   * @throws IllegalArgumentException if the key is null or empty
   * @throws FencingException if Redis answered an error or could not be reached
   */
  public Optional<FencedValue> get(String key) {
    checkKey(key);
    Object reply = run(Scripts.GET, Reply.ARRAY, key, List.of());
    if (!(reply instanceof List<?> fields) || fields.size() != 2) {
      throw new FencingException("reading the fenced value '" + key + "' on " + client + ": unexpected reply "
          + reply, null);
    }
    if (fields.get(0) == null || fields.get(1) == null) {
      return Optional.empty();
    }
    String fence = fields.get(1).toString();
    try {
      return Optional.of(new FencedValue(fields.get(0).toString(), Long.parseLong(fence)));
    } catch (NumberFormatException e) {
      throw new FencingException("reading the fenced value '" + key + "' on " + client + ": the stored fence '"
          + fence + "' is not a token", e);
    }
  }

  /**
   * Removes the value under {@code key} if the stored fence is not above the token (the holder that wrote it may
   * delete it). The fence stays, raised to the token, so that a late writer with an older token still finds it and
   * is refused; the key keeps its TTL, if it has one. A key that holds nothing gets such a fence as well.
   *
   * @param key the key
   * @param token the deleter's fencing token, positive
   * @return {@code true} if the value is gone; {@code false} if the stored fence is above the token
   * @throws IllegalArgumentException if the key is null or empty, or the token not positive
   * @throws FencingException if Redis answered an error or could not be reached
   */
  public boolean delete(String key, long token) {
    return erase(key, token, 0L);
  }

  /**
   * As {@link #delete(String, long)}, and the remaining fence expires after {@code keepFenceFor}: from then on
   * any token may write again. Choose it longer than any lease whose holder might still write.
   *
   * @param key the key
   * @param token the deleter's fencing token, positive
   * @param keepFenceFor how long the fence outlives the value; positive
   * @return {@code true} if the value is gone; {@code false} if the stored fence is above the token
   * @throws IllegalArgumentException if an argument is null, the key empty, or the token or duration not
   *     positive
   * @throws FencingException if Redis answered an error or could not be reached
   */
  public boolean delete(String key, long token, Duration keepFenceFor) {
    return erase(key, token, ttlMillis("keepFenceFor", keepFenceFor));
  }

  private boolean write(String key, String value, long token, long ttlMillis) {
    checkKey(key);
    nonNull("value", value);
    checkToken(token);
    return isOne(key, run(Scripts.SET, Reply.INTEGER, key,
        List.of(Long.toString(token), value, Long.toString(ttlMillis))));
  }

  private boolean erase(String key, long token, long ttlMillis) {
    checkKey(key);
    checkToken(token);
    return isOne(key, run(Scripts.DELETE, Reply.INTEGER, key, List.of(Long.toString(token),
        Long.toString(ttlMillis))));
  }

  private boolean isOne(String key, @Nullable Object reply) {
    if (reply instanceof Long n && (n == 0L || n == 1L)) {
      return n == 1L;
    }
    throw new FencingException("the fenced write of '" + key + "' on " + client + ": unexpected reply " + reply,
        null);
  }

  /** By SHA; on NOSCRIPT whole, which caches it again. Any client failure becomes a {@link FencingException}. */
  private @Nullable Object run(Scripts.Script script, Reply reply, String key, List<String> args) {
    try {
      try {
        return driver.evalsha(script.sha(), reply, key, args);
      } catch (RuntimeException e) {
        if (!isNoScript(e)) {
          throw e;
        }
        return driver.eval(script.source(), reply, key, args);
      }
    } catch (RuntimeException e) {
      throw new FencingException("the fenced " + script.name() + " of '" + key + "' on " + client + " failed: "
          + e.getMessage(), e);
    }
  }

  private static boolean isNoScript(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  private static void checkKey(@Nullable String key) {
    if (nonNull("key", key).isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
  }

  private static void checkToken(long token) {
    if (token <= 0) {
      throw new IllegalArgumentException("token must be positive (a lease's fencingToken()), was " + token);
    }
  }

  private static long ttlMillis(String what, @Nullable Duration d) {
    nonNull(what, d);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + d);
    }
    if (d.compareTo(Duration.ofMillis(MAX_TTL_MILLIS)) >= 0) {
      return MAX_TTL_MILLIS;
    }
    long millis = d.toMillis();
    return d.getNano() % 1_000_000 == 0 ? millis : millis + 1;
  }

  private static <T> T nonNull(String what, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    return value;
  }
}
