package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.LogCapture;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server that goes away while a lease is held and a waiter is subscribed: lockkit's Redis backend logs the
 * outage once, not once per reconnect attempt, and its recovery once; connecting logs nothing at INFO.
 */
class OutageLoggingTest {
  private static final Logger log = LoggerFactory.getLogger(OutageLoggingTest.class);
  /** Long enough for several reconnect attempts of the subscription (every command timeout, here 500 ms). */
  private static final Duration OUTAGE = Duration.ofSeconds(4);
  private static final String BACK = " INFO dev.lockkit.redis.internal.JedisSubscriber";

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(90)
  void anOutageThatLosesALeaseIsLoggedOnceByTheBackend(String driver) throws Exception {
    LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(1500))
        .commandTimeout(Duration.ofMillis(500)).build();
    String name = "outage/" + driver;
    try (RedisServer server = RedisServer.launch(); LogCapture captured = LogCapture.start()) {
      String uri = server.uri() + "?driver=" + driver;
      try (LockClient holder = Locks.connect(uri, options); LockClient waiter = Locks.connect(uri, options)) {
        Lease lease = holder.lock(name).acquire(Duration.ofSeconds(5));
        AtomicReference<LockLostException> heard = new AtomicReference<>();
        lease.onLost(heard::set);
        CompletableFuture<Lease> waiting = waiter.lock(name).acquireAsync(Duration.ofSeconds(60));
        await("waiter subscribed").atMost(Duration.ofSeconds(10)).until(() -> subscribers(server, name) == 1L);

        long down = System.nanoTime();
        server.stop();
        await("lease lost").atMost(Duration.ofSeconds(15)).until(() -> heard.get() != null);
        long left = down + OUTAGE.toNanos() - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.sleep(left); // the fault's length, not a wait for a condition
        }
        List<String> ours = captured.lines(" WARN dev.lockkit.redis.", "");
        log.info("WARN lines of the outage: lock-redis {}, core {}, Lettuce {}; lock-redis: {}", ours.size(),
            captured.lines(" WARN dev.lockkit.internal.", "").size(), captured.lines(" WARN io.lettuce.", "").size(),
            ours);
        // Jedis: its subscription's loss, once; Lettuce reports that itself (ConnectionWatchdog, every 5 s at most)
        assertThat(ours).hasSize(driver.equals("jedis") ? 1 : 0);
        if (driver.equals("jedis")) {
          assertThat(ours.get(0)).contains("127.0.0.1:" + server.port());
        }

        server.start();
        waiting.handle((l, e) -> l).thenAccept(l -> {
          if (l != null) {
            l.close();
          }
        });
        if (driver.equals("jedis")) {
          await("subscription back").atMost(Duration.ofSeconds(10))
              .until(() -> !captured.lines(BACK, "re-established").isEmpty());
          assertThat(captured.lines(BACK, "re-established")).hasSize(1);
        }
      }
      assertThat(captured.lines(" INFO ", "computationThreadPoolSize")).as("nothing at INFO on connect").isEmpty();
    }
  }

  private static long subscribers(RedisServer server, String name) {
    try (Resp r = server.resp()) {
      return (Long) ((List<?>) r.call("PUBSUB", "NUMSUB", "lockkit:{" + name + "}:released")).get(1);
    }
  }
}
