package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many timed acquisitions against a server that stalls for longer than the command timeout: each fails with
 * "no answer", and none leaves a lock behind once the server answers again, although the scripts still reach it
 * (some sent before the stall, more queued in the driver than it has connections). A clean-up release that
 * overtook its own try, or one that the stalled server never got, would leave the lock taken for the whole lease.
 */
class SlowServerCleanUpTest {
  private static final Duration LEASE = Duration.ofSeconds(60);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);
  private static final Duration STALL = Duration.ofMillis(1500);
  /** More than the Jedis driver's 64 connections, so that tries queue in the driver. */
  private static final int TRIES = 200;

  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(90)
  void timedAcquisitionsThatFailOnAStalledServerLeaveNoLockBehind(String driver) throws Exception {
    LockOptions options = LockOptions.builder().leaseTime(LEASE).commandTimeout(COMMAND_TIMEOUT).build();
    String prefix = "stalled/" + driver + "/";
    try (LockClient client = Locks.connect(server.uri() + "?driver=" + driver, options)) {
      // the scripts are loaded and some connections are open, as in a running service
      List<CompletableFuture<Lease>> warm = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        warm.add(client.lock(prefix + "warm-" + i).acquireAsync(Duration.ofSeconds(5)));
      }
      for (CompletableFuture<Lease> f : warm) {
        f.get(10, TimeUnit.SECONDS).close();
      }

      server.pause();
      long stalledAt = System.nanoTime();
      List<CompletableFuture<Lease>> tries = new ArrayList<>();
      try {
        for (int i = 0; i < TRIES; i++) {
          tries.add(client.lock(prefix + i).acquireAsync(Duration.ofMillis(100)));
        }
        long left = stalledAt + STALL.toNanos() - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.sleep(left); // the stall's length, not a wait for a condition
        }
      } finally {
        server.resume();
      }

      int failed = 0;
      for (CompletableFuture<Lease> f : tries) {
        try {
          f.get(30, TimeUnit.SECONDS).close(); // a try answered after the stall may have won: fine, released
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(LockBackendException.class);
          failed++;
        }
      }
      assertThat(failed).as("tries that got no answer within the command timeout").isPositive();
      // far less than the lease: without the clean-up every such lock stays taken for 60 s
      await("no lock of the failed tries left").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(lockKeys(prefix)).isEmpty());
    }
  }

  private static List<String> lockKeys(String prefix) {
    try (Resp r = server.resp()) {
      List<String> keys = new ArrayList<>();
      for (Object key : (List<?>) r.call("KEYS", "lockkit:{" + prefix + "*")) {
        if (!String.valueOf(key).endsWith(":fence")) {
          keys.add(String.valueOf(key));
        }
      }
      return keys;
    }
  }
}
