package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SubscribeHoldingProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server drops a waiter's subscription connection and the holder releases after the driver has reconnected
 * but before the server has confirmed the subscription sent again: that release is published to nobody. The
 * waiter must look again once the re-subscription is confirmed, and so get the lock within the wake-up bound,
 * not at the end of the holder's 30 s lease. A proxy between the waiter and the server holds the
 * re-subscription back until the lock is released, which makes the window certain.
 */
class ResubscriptionWindowTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  /** A small fraction of {@link #LEASE}, with room for two loaded cores. */
  private static final long WAKE_UP_BOUND_SECONDS = 5;

  private static RedisServer server;

  @BeforeAll
  static void startServer() {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.stop();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void aReleaseBeforeTheResubscriptionIsConfirmedWakesTheWaiter(String driver) throws Exception {
    String name = "resubscription-window/" + driver;
    String channel = "lockkit:{" + name + "}:released";
    LockOptions options = LockOptions.builder().leaseTime(LEASE).build();
    try (SubscribeHoldingProxy proxy = SubscribeHoldingProxy.start(server.port());
        LockClient holder = Locks.connect(server.uri() + "?driver=" + driver, options);
        LockClient waiter = Locks.connect("redis://127.0.0.1:" + proxy.port() + "?driver=" + driver, options)) {
      Lease held = holder.lock(name).acquire(Duration.ofSeconds(5));
      CompletableFuture<Lease> waiting = waiter.lock(name).acquireAsync(Duration.ofSeconds(25));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(channel) == 1L);

      proxy.holdNextSubscribe();
      try (Resp r = server.resp()) {
        r.call("CLIENT", "KILL", "TYPE", "pubsub");
      }
      Awaitility.await("the re-subscription held back").atMost(Duration.ofSeconds(20)).until(proxy::holding);
      assertThat(subscribers(channel)).as("not subscribed on the server yet").isZero();
      held.close(); // published while the waiter is not subscribed
      long released = System.nanoTime();
      proxy.releaseHeld();

      try (Lease next = waiting.get(WAKE_UP_BOUND_SECONDS, TimeUnit.SECONDS)) {
        assertThat(next.isValid()).isTrue();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - released)).as("woken by the confirmation, not the lease end")
          .isLessThan(Duration.ofSeconds(WAKE_UP_BOUND_SECONDS));
    }
  }

  private static long subscribers(String channel) {
    try (Resp r = server.resp()) {
      return (Long) ((List<?>) r.call("PUBSUB", "NUMSUB", channel)).get(1);
    }
  }
}
