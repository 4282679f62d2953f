package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the server does behind a client's back: stop, restart empty, forget its scripts. */
class RedisServerFailureTest {
  private static RedisServer server;

  @BeforeAll
  static void startServer() {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  private static LockClient connect(String driver, LockOptions options) {
    return Locks.connect(server.uri() + "?driver=" + driver, options);
  }

  private static LockOptions shortLeases() {
    return LockOptions.builder().leaseTime(Duration.ofMillis(1500)).commandTimeout(Duration.ofSeconds(1)).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aServerStoppedWhileALeaseIsHeldMakesTheLeaseLostAndTellsTheHolder(String driver) {
    LockClient client = connect(driver, shortLeases());
    try {
      Lease lease = acquire(client, "stopped/" + driver);
      AtomicReference<LockLostException> heard = new AtomicReference<>();
      lease.onLost(heard::set);
      server.stop();
      await().atMost(Duration.ofSeconds(15)).until(() -> heard.get() != null);
      assertThat(lease.isValid()).isFalse();
      assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
    } finally {
      server.start();
      long start = System.nanoTime();
      client.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aServerThatStopsAnsweringFailsCallsWithinTheTimeoutAndTheLeaseIsLost(String driver) {
    LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(2000))
        .commandTimeout(Duration.ofMillis(500)).build();
    LockClient client = connect(driver, options);
    try {
      Lease lease = acquire(client, "paused/" + driver);
      AtomicReference<LockLostException> heard = new AtomicReference<>();
      lease.onLost(heard::set);
      server.pause();
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.lock("paused/other/" + driver).tryAcquire())
          .isInstanceOf(LockBackendException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
      await().atMost(Duration.ofSeconds(15)).until(() -> heard.get() != null);
      assertThat(lease.isValid()).isFalse();
    } finally {
      server.resume();
      client.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aServerRestartedEmptyStillHandsOutLargerTokens(String driver) {
    String name = "restarted/" + driver;
    long highest = 0;
    try (LockClient client = connect(driver, LockOptions.defaults())) {
      for (int i = 0; i < 3; i++) {
        try (Lease lease = acquire(client, name)) {
          assertThat(lease.fencingToken()).isGreaterThan(highest);
          highest = lease.fencingToken();
        }
      }
    }
    server.restart();
    try (Resp r = server.resp()) {
      assertThat(r.call("EXISTS", "lockkit:{" + name + "}:fence")).as("the server came back empty").isEqualTo(0L);
    }
    try (LockClient client = connect(driver, LockOptions.defaults()); Lease lease = acquire(client, name)) {
      assertThat(lease.fencingToken()).isGreaterThan(highest);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void scriptFlushMidRunIsRepairedByReloadingTheScripts(String driver) {
    String name = "flushed/" + driver;
    LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(1200))
        .renewInterval(Duration.ofMillis(300)).build();
    try (LockClient client = connect(driver, options); LockClient other = connect(driver, options)) {
      acquire(client, name).close();
      flushScripts();
      Lease lease = acquire(client, name); // acquire reloads
      flushScripts();
      // renewals reload too: the lease outlives several lease times
      await().during(Duration.ofMillis(3000)).atMost(Duration.ofSeconds(10)).until(lease::isValid);
      assertThat(other.lock(name).tryAcquire()).isEmpty();
      flushScripts();
      lease.close(); // release reloads
      Optional<Lease> next = other.lock(name).tryAcquire();
      assertThat(next).isPresent();
      next.get().close();
    }
  }

  private static void flushScripts() {
    try (Resp r = server.resp()) {
      r.call("SCRIPT", "FLUSH");
    }
  }

  private static Lease acquire(LockClient client, String name) {
    try {
      return client.lock(name).acquire(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
