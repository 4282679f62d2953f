package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The floor of a hand-off that a release grants, for {@link HandoffProbe}: raw Lettuce, no lock library. A waiter
 * that finds the lock held queues its token on the server in the same script; a release that finds a queued waiter
 * sets the lock to that waiter's token and publishes it, and the waiter's future completes on the driver's I/O
 * thread when the message names it. One server visit per hand-off, as lockkit's own since its releases grant the
 * lock ({@code Scripts.RELEASE} in lock-redis), and nothing else: no fencing token, no renewal, no expiry of a
 * queued waiter, no timeouts beyond the probe's own.
 */
final class GrantFloor implements Contender.Instance {
  private static final String ACQUIRE = "if redis.call('set', KEYS[1], ARGV[1], 'nx', 'px', 30000) then return 1 end "
      + "redis.call('rpush', KEYS[2], ARGV[1]) return 0";
  private static final String RELEASE = "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end "
      + "local next = redis.call('lpop', KEYS[2]) "
      + "if next then redis.call('set', KEYS[1], next, 'px', 30000) redis.call('publish', KEYS[3], next) "
      + "else redis.call('del', KEYS[1]) end return 1";

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final StatefulRedisPubSubConnection<String, String> pubsub;
  private final String acquireSha;
  private final String releaseSha;
  /** Waiters by token: the one a release names holds the lock. */
  private final Map<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

  GrantFloor() {
    this.client = RedisClient.create(Servers.redisUri());
    this.connection = client.connect();
    this.pubsub = client.connectPubSub();
    this.acquireSha = connection.sync().scriptLoad(ACQUIRE);
    this.releaseSha = connection.sync().scriptLoad(RELEASE);
    pubsub.addListener(new RedisPubSubAdapter<String, String>() {
      @Override
      public void message(String channel, String message) {
        CompletableFuture<Void> w = waiting.get(message);
        if (w != null) {
          w.complete(null); // on the I/O thread, as lockkit's grantee
        }
      }
    });
  }

  @Override
  public LockHandle lock(String name) {
    String key = "grant-floor:{" + name + "}";
    String queue = key + ":queue";
    String channel = key + ":released";
    pubsub.sync().subscribe(channel);
    String[] keys = {key, queue};
    String[] releaseKeys = {key, queue, channel};
    return () -> {
      String token = UUID.randomUUID().toString();
      CompletableFuture<Void> granted = new CompletableFuture<>();
      waiting.put(token, granted); // before the try, so that a grant right after it is heard
      try {
        Long won = connection.sync().evalsha(acquireSha, ScriptOutputType.INTEGER, keys, token);
        if (won == null || won != 1L) {
          granted.get(30, TimeUnit.SECONDS);
        }
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("the grant floor did not get lock " + key, e);
      } finally {
        waiting.remove(token);
      }
      return () -> connection.sync().evalsha(releaseSha, ScriptOutputType.INTEGER, releaseKeys, token);
    };
  }

  @Override
  public void close() {
    pubsub.close();
    connection.close();
    client.shutdown();
  }
}
