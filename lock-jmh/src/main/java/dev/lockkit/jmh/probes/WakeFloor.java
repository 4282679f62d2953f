package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The floor of a hand-off that waits without polling, for {@link HandoffProbe}: raw Lettuce, no lock library.
 * A release is one script (compare, {@code DEL}, {@code PUBLISH}); a waiter that found the lock held is woken
 * by the message on the driver's I/O thread, which sends {@code SET NX PX} at once and completes the waiting
 * thread's future. Two server visits and the thread wake-ups, as most Redis locks hand off (and lockkit did
 * before its releases granted the lock; see {@link GrantFloor}), and nothing else: no fencing token, no renewal,
 * no timeouts beyond the probe's own.
 */
final class WakeFloor implements Contender.Instance {
  private static final Logger log = LoggerFactory.getLogger(WakeFloor.class);
  private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) "
      + "redis.call('publish', KEYS[2], 'released') return 1 end return 0";

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final StatefulRedisPubSubConnection<String, String> pubsub;
  private final String releaseSha;
  /** Waiters by channel: each wants the lock for its token. */
  private final Map<String, List<Waiter>> waiting = new ConcurrentHashMap<>();

  /**
   * One acquisition. One {@code SET} in flight at a time: a wake-up meanwhile asks for one more after it, and none
   * goes out once one has won (a late {@code SET} of a finished waiter would take the lock after its release).
   */
  private final class Waiter {
    final String key;
    final String token = UUID.randomUUID().toString();
    final CompletableFuture<Void> won = new CompletableFuture<>();
    private boolean inFlight; // guarded by this
    private boolean again; // guarded by this
    private boolean answered; // guarded by this: won or failed, so no SET goes out any more

    Waiter(String key) {
      this.key = key;
    }

    synchronized void stop() {
      answered = true;
    }

    void take() {
      synchronized (this) {
        if (answered) {
          return;
        }
        if (inFlight) {
          again = true;
          return;
        }
        inFlight = true;
        again = false;
      }
      connection.async().set(key, token, SetArgs.Builder.nx().px(30_000)).whenComplete((ok, e) -> {
        boolean retry;
        synchronized (this) {
          inFlight = false;
          // set before the future completes: a wake-up in between would otherwise send a SET that could land
          // after this waiter's release and take the lock again for nobody
          answered = e != null || ok != null;
          retry = again && !answered;
        }
        if (e != null) {
          won.completeExceptionally(e);
        } else if (ok != null) {
          won.complete(null);
        } else if (retry) {
          take();
        }
      });
    }
  }

  WakeFloor() {
    this.client = RedisClient.create(Servers.redisUri());
    this.connection = client.connect();
    this.pubsub = client.connectPubSub();
    this.releaseSha = connection.sync().scriptLoad(RELEASE);
    pubsub.addListener(new RedisPubSubAdapter<String, String>() {
      @Override
      public void message(String channel, String message) {
        for (Waiter w : waiting.getOrDefault(channel, List.of())) {
          w.take(); // on the I/O thread, as lockkit's waiters retry
        }
      }
    });
  }

  @Override
  public LockHandle lock(String name) {
    String key = "wake-floor:{" + name + "}";
    String channel = key + ":released";
    List<Waiter> waiters = waiting.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>());
    pubsub.sync().subscribe(channel);
    return () -> {
      Waiter w = new Waiter(key);
      waiters.add(w); // before the first try, so that a release after it wakes this waiter
      try {
        w.take();
        for (int second = 0; ; second++) {
          try {
            w.won.get(1, TimeUnit.SECONDS);
            break;
          } catch (TimeoutException e) {
            log.warn("wake floor: no wake-up of {} for lock {} within {} s; its holder: {} (pttl {} ms); trying again",
                w.token, key,
                second + 1, connection.sync().get(key), connection.sync().pttl(key));
            if (second >= 30) {
              throw new IllegalStateException("the wake floor did not get lock " + key, e);
            }
            w.take();
          }
        }
      } catch (ExecutionException e) {
        throw new IllegalStateException("the wake floor did not get lock " + key, e);
      } finally {
        waiters.remove(w);
        w.stop(); // answered, or given up on: no SET of this waiter goes out any more
      }
      return () -> connection.sync().evalsha(releaseSha, ScriptOutputType.INTEGER, new String[] {key, channel},
          w.token);
    };
  }

  @Override
  public void close() {
    pubsub.close();
    connection.close();
    client.shutdown();
  }
}
