package dev.lockkit.jmh;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.Fingerprints;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.OutcomeCodec;
import dev.lockkit.idempotency.redis.RedisIdempotencyStore;
import dev.lockkit.jmh.servers.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * The ways {@link IdempotencyBenchmark} runs one request: the action alone, lockkit's {@link IdempotencyGuard} on
 * its Redis store, and the hand-written unfenced scheme most services start with. The action is one Redis {@code
 * INCR} of a counter (a real side effect, and a cheap one, so that what the guard adds shows), sent on a Lettuce
 * {@code StatefulRedisConnection<String, String>} that the contender's store (if any) shares. One line per
 * contender, as in {@link Contender}.
 */
public enum IdempotencyContender {
  /** The action alone, unguarded: one {@code INCR}. The floor. */
  BARE {
    @Override
    public Instance create() {
      Lettuce redis = new Lettuce();
      return new Instance() {
        @Override
        public String request(String key) {
          return String.valueOf(redis.commands.incr(COUNTER));
        }

        @Override
        public void close() {
          redis.close();
        }
      };
    }
  },
  /**
   * lockkit's defaults: {@code Locks.connect(redisUri)} for the claims, {@code RedisIdempotencyStore.onLettuce}
   * for the records, {@code IdempotencyGuard.builder(locks, store).build()}; every request a first one (claim,
   * run, store the outcome by a fenced write, release).
   */
  GUARD_REDIS {
    @Override
    public Instance create() {
      return guard();
    }
  },
  /**
   * The usual hand-written scheme, with no fence: {@code SET idem:<key> in-progress NX PX 30000}, run the action,
   * {@code SET idem:<key> <result> PX <retention>} (a plain write: a request that paused past its 30 s would
   * overwrite a newer outcome). The guard's retention ({@link IdempotencyGuard#DEFAULT_RETENTION}).
   */
  UNFENCED {
    @Override
    public Instance create() {
      Lettuce redis = new Lettuce();
      return new Instance() {
        @Override
        public String request(String key) {
          String record = "idem:" + key;
          if (redis.commands.set(record, "in-progress", SetArgs.Builder.nx().px(IN_PROGRESS_MILLIS)) == null) {
            throw new IllegalStateException("key " + key + " was used before: the benchmark reuses a key");
          }
          String result = String.valueOf(redis.commands.incr(COUNTER));
          redis.commands.set(record, result, SetArgs.Builder.px(IdempotencyGuard.DEFAULT_RETENTION.toMillis()));
          return result;
        }

        @Override
        public void close() {
          redis.close();
        }
      };
    }
  },
  /**
   * {@link #GUARD_REDIS} on a key whose first request completed: the replay path of a duplicate (take the
   * claim's lock, find the completed record, decode it, release), the action not run. Uses one key per thread.
   */
  REPLAY {
    @Override
    public Instance create() {
      return guard();
    }

    @Override
    public String key(String threadKeys, long n) {
      return threadKeys;
    }
  };

  /** The action's counter. */
  public static final String COUNTER = "bench:idempotency:counter";
  /** The scope of the guard's keys. */
  public static final String SCOPE = "bench";
  /**
   * The requests' fingerprint: one SHA-256 in hex, as {@link Fingerprints} makes of a request's body; the same for
   * every request, so that hashing (the application's cost, not the guard's) stays out of the figures.
   */
  public static final String FINGERPRINT = Fingerprints.sha256Utf8("POST", "/orders", "{\"sku\":\"A-42\",\"qty\":1}");
  private static final long IN_PROGRESS_MILLIS = 30_000;

  /**
   * Connects a client of this contender to the benchmarks' Redis server (started on first use).
   *
   * @return the client, shared by the benchmark's threads
   */
  public abstract Instance create();

  /**
   * The key of a thread's {@code n}-th request: a fresh one each time ({@code <threadKeys>-<n>}), except for
   * {@link #REPLAY}, whose every request repeats the thread's first.
   *
   * @param threadKeys what the thread's keys start with, unique to the thread and the run
   * @param n the request's number in the thread, from 0
   * @return the key
   */
  public String key(String threadKeys, long n) {
    return threadKeys + "-" + n;
  }

  /** A connected client of one contender. */
  public interface Instance extends AutoCloseable {
    /**
     * Runs one request.
     *
     * @param key its idempotency key
     * @return the action's result (the counter's value), or the replayed one
     * @throws Exception whatever the guard or the driver throws
     */
    String request(String key) throws Exception;

    @Override
    void close();
  }

  /** The guard with lockkit's defaults on a fresh lock client and a store on its own Lettuce connection. */
  private static Instance guard() {
    LockClient locks = Locks.connect(Servers.redisUri());
    Lettuce redis;
    try {
      redis = new Lettuce();
    } catch (RuntimeException e) {
      locks.close();
      throw e;
    }
    IdempotencyGuard guard = IdempotencyGuard.builder(locks,
        RedisIdempotencyStore.onLettuce(redis.commands).build()).build();
    return new Instance() {
      @Override
      public String request(String key) throws InterruptedException {
        return guard.execute(IdempotencyKey.of(SCOPE, key), FINGERPRINT, OutcomeCodec.utf8(),
            claim -> String.valueOf(redis.commands.incr(COUNTER)));
      }

      @Override
      public void close() {
        try {
          redis.close();
        } finally {
          locks.close();
        }
      }
    };
  }

  /** One Lettuce client and connection on the benchmarks' Redis server. */
  private static final class Lettuce implements AutoCloseable {
    final RedisClient client;
    final StatefulRedisConnection<String, String> connection;
    final RedisCommands<String, String> commands;

    Lettuce() {
      client = RedisClient.create(Servers.redisUri());
      try {
        connection = client.connect();
      } catch (RuntimeException e) {
        client.shutdown();
        throw e;
      }
      commands = connection.sync();
    }

    @Override
    public void close() {
      try {
        connection.close();
      } finally {
        client.shutdown();
      }
    }
  }
}
