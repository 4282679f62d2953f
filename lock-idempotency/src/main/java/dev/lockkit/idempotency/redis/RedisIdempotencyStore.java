package dev.lockkit.idempotency.redis;

import dev.lockkit.idempotency.IdempotencyStoreException;
import dev.lockkit.idempotency.internal.Checks;
import dev.lockkit.idempotency.redis.Driver.Reply;
import dev.lockkit.idempotency.redis.Scripts.Script;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.StoredRecord;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;

/**
 * An {@link IdempotencyStore} in Redis: every method is one Lua script on one key, so each is atomic and Redis
 * Cluster takes any key. Works on Lettuce and Jedis, standalone, Sentinel-managed or Cluster, Redis 6.2 and newer.
 *
 * <pre>{@code
 * IdempotencyStore store = RedisIdempotencyStore.onLettuce(connection.sync()).build();
 * }</pre>
 *
 * <p><b>Keys.</b> The record of a store key {@code k} is the hash {@code <prefix>:r:{k}}, its submission token
 * the string {@code <prefix>:t:{k}} (the prefix is {@value #DEFAULT_KEY_PREFIX} unless set). The braces are a
 * Cluster hash tag around the store key. The hash holds {@code state}, {@code fingerprint}, {@code fence} (the
 * fence in decimal, compared in the scripts as digits, never as a Lua number), and once completed {@code value}
 * (the result's bytes in base64, so that any bytes round-trip through a {@code String} codec) or
 * {@code failure_type} and {@code failure_message} (UTF-8). A token holds {@code unused} or {@code used}.
 *
 * <p><b>Expiry</b> is the keys' own time to live ({@code PEXPIRE}, {@code SET ... PX}), in milliseconds rounded
 * up, on the server's clock; Redis removes expired keys itself. Times to live above {@link #MAX_TTL} are cut to
 * it.
 *
 * <p><b>Failures.</b> Scripts are called by SHA and sent whole when the server answers {@code NOSCRIPT} (after
 * a restart, a failover or {@code SCRIPT FLUSH}). Any client failure (an error reply, a timeout, a lost
 * connection) becomes an {@link IdempotencyStoreException} with the client's exception as the cause; timeouts are
 * the client's own. Thread-safe as the client is.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {
  /** The key prefix unless {@link Builder#keyPrefix} sets another. */
  public static final String DEFAULT_KEY_PREFIX = "lockkit:idem";
  /** The longest key prefix, in chars. */
  public static final int MAX_KEY_PREFIX_LENGTH = 128;
  /** The longest time to live a key gets; longer ones are cut to it. */
  public static final Duration MAX_TTL = Duration.ofDays(365L * 1000);

  private static final Base64.Encoder BASE64 = Base64.getEncoder();
  private static final Base64.Decoder UNBASE64 = Base64.getDecoder();

  private final Driver driver;
  private final String prefix;

  private RedisIdempotencyStore(Driver driver, String prefix) {
    this.driver = driver;
    this.prefix = prefix;
  }

  /**
   * A builder of a store on a Lettuce connection's synchronous commands: {@code connection.sync()} of a
   * {@code StatefulRedisConnection<String, String>} (standalone, Sentinel) or of a {@code
   * StatefulRedisClusterConnection<String, String>} (Redis Cluster, which routes each script by its key).
   *
   * @param commands the commands, with a {@code String} codec (UTF-8, as {@code RedisClient.connect()} gives)
   * @return the builder
   * @throws IllegalArgumentException if {@code commands} is null
   */
  public static Builder onLettuce(RedisScriptingCommands<String, String> commands) {
    return new Builder(new LettuceDriver(Checks.notNull(commands, "commands")));
  }

  /**
   * A builder of a store on a Jedis {@link UnifiedJedis}: {@code JedisPooled}, {@code JedisCluster}, {@code
   * RedisClient} or {@code RedisClusterClient}.
   *
   * @param jedis the client
   * @return the builder
   * @throws IllegalArgumentException if {@code jedis} is null
   */
  public static Builder onJedis(UnifiedJedis jedis) {
    return new Builder(new JedisDriver(Checks.notNull(jedis, "jedis")));
  }

  /** Options of a {@link RedisIdempotencyStore}; each may be set once. */
  public static final class Builder {
    private final Driver driver;
    private @Nullable String keyPrefix;

    private Builder(Driver driver) {
      this.driver = driver;
    }

    /**
     * The prefix of every key the store writes, so that several applications (or stores) share a server.
     *
     * @param keyPrefix 1 to {@value #MAX_KEY_PREFIX_LENGTH} chars, no control characters, no unpaired
     *     surrogates, no {@code {} or {@code }} (which would move the Cluster hash tag); default {@value
     *     #DEFAULT_KEY_PREFIX}
     * @return this builder
     * @throws IllegalArgumentException if the prefix breaks a rule
     * @throws IllegalStateException if the prefix was set before
     */
    public Builder keyPrefix(String keyPrefix) {
      Checks.state(this.keyPrefix == null, "keyPrefix is already set to '%s'", this.keyPrefix);
      Checks.text(keyPrefix, "keyPrefix", 1, MAX_KEY_PREFIX_LENGTH);
      Checks.argument(keyPrefix.indexOf('{') < 0 && keyPrefix.indexOf('}') < 0,
          "keyPrefix must not contain '{' or '}' (the store's keys put the hash tag there), was '%s'", keyPrefix);
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * The store.
     *
     * @return the store, sharing the client given to the factory method
     */
    public RedisIdempotencyStore build() {
      return new RedisIdempotencyStore(driver, keyPrefix != null ? keyPrefix : DEFAULT_KEY_PREFIX);
    }
  }

  /**
   * The Redis key of the record of {@code storeKey}: {@code <prefix>:r:{<storeKey>}}.
   *
   * @param storeKey the store key
   * @return the Redis key
   * @throws IllegalArgumentException if {@code storeKey} is null
   */
  public String recordKey(String storeKey) {
    return prefix + ":r:{" + Checks.notNull(storeKey, "key") + "}";
  }

  /**
   * The Redis key of the submission token {@code storeKey}: {@code <prefix>:t:{<storeKey>}}.
   *
   * @param storeKey the store key of the token
   * @return the Redis key
   * @throws IllegalArgumentException if {@code storeKey} is null
   */
  public String tokenKey(String storeKey) {
    return prefix + ":t:{" + Checks.notNull(storeKey, "key") + "}";
  }

  @Override
  public ClaimResult claim(String key, String fingerprint, long fence, Duration ttl) {
    Checks.notNull(fingerprint, "fingerprint");
    String redisKey = recordKey(key);
    List<?> reply = array(redisKey, run(Scripts.CLAIM, Reply.ARRAY, redisKey,
        List.of(fingerprint, fence(fence), millis(ttl, "ttl"))));
    if (reply.isEmpty() || !(reply.get(0) instanceof String s)) {
      throw unexpected(Scripts.CLAIM, redisKey, reply);
    }
    ClaimResult.Status status;
    try {
      status = ClaimResult.Status.valueOf(s);
    } catch (IllegalArgumentException e) {
      throw unexpected(Scripts.CLAIM, redisKey, reply);
    }
    if (status == ClaimResult.Status.CLAIMED) {
      return ClaimResult.claimed();
    }
    return ClaimResult.found(status, record(Scripts.CLAIM, redisKey, reply, 1));
  }

  @Override
  public boolean complete(String key, long fence, Outcome outcome, Duration retention) {
    Checks.notNull(outcome, "outcome");
    String redisKey = recordKey(key);
    List<String> args = outcome.isSuccess()
        ? List.of(fence(fence), millis(retention, "retention"), "success", BASE64.encodeToString(outcome.value()))
        : List.of(fence(fence), millis(retention, "retention"), "failure", outcome.failureType(),
            outcome.failureMessage());
    return flag(Scripts.COMPLETE, redisKey, run(Scripts.COMPLETE, Reply.INTEGER, redisKey, args));
  }

  @Override
  public boolean abandon(String key, long fence) {
    String redisKey = recordKey(key);
    return flag(Scripts.ABANDON, redisKey, run(Scripts.ABANDON, Reply.INTEGER, redisKey, List.of(fence(fence))));
  }

  @Override
  public Optional<StoredRecord> find(String key) {
    String redisKey = recordKey(key);
    List<?> reply = array(redisKey, run(Scripts.FIND, Reply.ARRAY, redisKey, List.of()));
    return reply.isEmpty() ? Optional.empty() : Optional.of(record(Scripts.FIND, redisKey, reply, 0));
  }

  @Override
  public boolean issueToken(String key, Duration ttl) {
    String redisKey = tokenKey(key);
    return flag(Scripts.ISSUE, redisKey, run(Scripts.ISSUE, Reply.INTEGER, redisKey, List.of(millis(ttl, "ttl"))));
  }

  @Override
  public ConsumeResult consumeToken(String key) {
    String redisKey = tokenKey(key);
    Object reply = run(Scripts.CONSUME, Reply.INTEGER, redisKey, List.of());
    if (reply instanceof Long n && n >= 0 && n <= 2) {
      return n == 2 ? ConsumeResult.CONSUMED : n == 1 ? ConsumeResult.ALREADY_USED : ConsumeResult.UNKNOWN;
    }
    throw unexpected(Scripts.CONSUME, redisKey, reply);
  }

  /** The record in {@code reply} from index {@code from}: the fields of {@link Scripts#FIELDS}, in order. */
  private StoredRecord record(Script script, String redisKey, List<?> reply, int from) {
    if (reply.size() != from + Scripts.FIELDS.length) {
      throw unexpected(script, redisKey, reply);
    }
    String[] f = new String[Scripts.FIELDS.length];
    for (int i = 0; i < f.length; i++) {
      Object o = reply.get(from + i);
      if (o != null && !(o instanceof String)) {
        throw unexpected(script, redisKey, reply);
      }
      f[i] = (String) o;
    }
    try {
      String fingerprint = Checks.notNull(f[1], "the stored fingerprint");
      long fence = Long.parseLong(Checks.notNull(f[2], "the stored fence"));
      if ("IN_PROGRESS".equals(f[0])) {
        return StoredRecord.inProgress(fingerprint, fence);
      }
      Checks.argument("COMPLETED".equals(f[0]), "the stored state '%s' is not a record state", f[0]);
      Outcome outcome = f[3] != null ? Outcome.success(UNBASE64.decode(f[3]))
          : Outcome.failure(Checks.notNull(f[4], "the stored outcome"), Checks.notNull(f[5], "failure_message"));
      return StoredRecord.completed(fingerprint, fence, outcome);
    } catch (IllegalArgumentException e) { // NumberFormatException and bad base64 included
      throw new IdempotencyStoreException("the " + script.name() + " of '" + redisKey + "' on " + driver.name()
          + " read a record this store did not write: " + e.getMessage(), e);
    }
  }

  /** By SHA; on NOSCRIPT whole, which caches it again. Any client failure becomes the store's exception. */
  private @Nullable Object run(Script script, Reply reply, String redisKey, List<String> args) {
    try {
      try {
        return driver.evalsha(script.sha(), reply, redisKey, args);
      } catch (RuntimeException e) {
        if (!isNoScript(e)) {
          throw e;
        }
        return driver.eval(script.source(), reply, redisKey, args);
      }
    } catch (RuntimeException e) {
      throw new IdempotencyStoreException("the " + script.name() + " of '" + redisKey + "' on " + driver.name()
          + " failed: " + e.getMessage(), e);
    }
  }

  private static boolean isNoScript(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.startsWith("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  private List<?> array(String redisKey, @Nullable Object reply) {
    if (reply instanceof List<?> list) {
      return list;
    }
    throw new IdempotencyStoreException("a script on '" + redisKey + "' on " + driver.name()
        + " answered no array: " + reply);
  }

  private boolean flag(Script script, String redisKey, @Nullable Object reply) {
    if (reply instanceof Long n && (n == 0L || n == 1L)) {
      return n == 1L;
    }
    throw unexpected(script, redisKey, reply);
  }

  private IdempotencyStoreException unexpected(Script script, String redisKey, @Nullable Object reply) {
    return new IdempotencyStoreException("the " + script.name() + " of '" + redisKey + "' on " + driver.name()
        + ": unexpected reply " + reply);
  }

  private static String fence(long fence) {
    Checks.argument(fence > 0, "fence must be positive, was %s", fence);
    return Long.toString(fence);
  }

  /** Milliseconds, rounded up, at most {@link #MAX_TTL}. */
  private static String millis(Duration ttl, String what) {
    Checks.atLeastOneMilli(ttl, what);
    if (ttl.compareTo(MAX_TTL) >= 0) {
      return Long.toString(MAX_TTL.toMillis());
    }
    long millis = ttl.toMillis();
    return Long.toString(ttl.getNano() % 1_000_000 == 0 ? millis : millis + 1);
  }
}
