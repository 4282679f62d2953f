package dev.lockkit.idempotency.faults;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The idempotency scheme as it is usually written by hand, without fencing: claim with {@code SET idem:<key>
 * in-progress NX PX <lease>}; if refused, a stored result is replayed and an in-progress one waited for (polling);
 * if claimed, run the action (its effect auto-committed), then store the result with a plain {@code SET ... PX
 * <retention>}; on a failure, {@code DEL} the claim so that a retry runs again. Nothing stops a claimant that
 * paused past its {@code PX} from running its effect and overwriting the result of the one that took over.
 */
final class UnfencedGuard implements GuardUnderTest {
  static final String PREFIX = "idem:";
  static final String IN_PROGRESS = "in-progress";
  static final String DONE = "done:";
  private static final Duration RETENTION = Duration.ofMinutes(30);
  private static final Duration POLL = Duration.ofMillis(50);

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final DataSource db;
  private final Duration lease;
  private final Duration maxWait;
  private final Action action;
  private final AtomicLong executions = new AtomicLong();

  UnfencedGuard(String redisUri, DataSource db, Duration lease, Duration maxWait, Action action) {
    RedisURI uri = RedisURI.create(redisUri);
    uri.setTimeout(Duration.ofSeconds(1));
    this.client = RedisClient.create(uri);
    try {
      this.connection = client.connect();
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
    this.redis = connection.sync();
    this.db = db;
    this.lease = lease;
    this.maxWait = maxWait;
    this.action = action;
  }

  @Override
  public String request(String key) throws Exception {
    String redisKey = PREFIX + key;
    long deadline = System.nanoTime() + maxWait.toNanos();
    while (true) {
      if ("OK".equals(redis.set(redisKey, IN_PROGRESS, SetArgs.Builder.nx().px(lease.toMillis())))) {
        String result;
        try (Connection c = db.getConnection()) {
          result = action.run(c, key, "token-" + executions.incrementAndGet());
        } catch (Exception e) {
          try {
            redis.del(redisKey); // give the claim up so that a retry runs the action again
          } catch (RuntimeException delFailed) {
            e.addSuppressed(delFailed);
          }
          throw e;
        }
        redis.set(redisKey, DONE + result, SetArgs.Builder.px(RETENTION.toMillis()));
        return result;
      }
      String value = redis.get(redisKey);
      if (value != null && value.startsWith(DONE)) {
        return value.substring(DONE.length());
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("request " + key + " still in progress after " + maxWait);
      }
      TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
