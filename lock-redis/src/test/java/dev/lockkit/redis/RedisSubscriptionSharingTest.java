package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On a standalone server: one plain subscription per lock name per client however many of its threads wait,
 * dropped when the last waiter is done, and clients of both drivers wake each other. A release publishes only
 * when a waiter announced itself: nobody else listens.
 */
class RedisSubscriptionSharingTest {

  @ParameterizedTest
  @ValueSource(strings = {"lettuce-to-jedis", "jedis-to-lettuce", "lettuce-to-lettuce", "jedis-to-jedis"})
  void waitersOfOneClientShareOneSubscriptionAndAreWokenAcrossDrivers(String pair) throws Exception {
    RedisServer server = SharedServers.standalone();
    String[] drivers = pair.split("-to-");
    String name = "sharing/" + pair;
    String channel = "lockkit:{" + name + "}:released";
    LockOptions longLease = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).build();
    try (LockClient holder = Locks.connect(server.uri() + "?driver=" + drivers[0], longLease);
        LockClient first = Locks.connect(server.uri() + "?driver=" + drivers[1], longLease);
        LockClient second = Locks.connect(server.uri() + "?driver=" + drivers[1], longLease)) {
      Lease held = holder.lock(name).acquire(Duration.ofSeconds(5));
      List<CompletableFuture<Void>> waiting = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        LockClient c = i % 2 == 0 ? first : second;
        waiting.add(c.lock(name).acquireAsync(Duration.ofSeconds(50)).thenAccept(Lease::close));
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(server, channel) == 2L);
      long released = System.nanoTime();
      held.close();
      CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - released)).as("woken by the release, not the 60 s lease")
          .isLessThan(Duration.ofSeconds(10));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(server, channel) == 0L);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aLockContendedAgainSoonKeepsItsSubscriptionAndDropsItWhenIdle(String driver) throws Exception {
    String name = "sharing/linger-" + driver;
    String channel = "lockkit:{" + name + "}:released";
    LockOptions longLease = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).build();
    try (RedisServer server = RedisServer.launch();
        LockClient holder = Locks.connect(server.uri() + "?driver=" + driver, longLease);
        LockClient waiter = Locks.connect(server.uri() + "?driver=" + driver, longLease)) {
      int handoffs = 10;
      for (int i = 0; i < handoffs; i++) {
        Lease held = holder.lock(name).acquire(Duration.ofSeconds(5));
        long tries = calls(server, "evalsha");
        CompletableFuture<Lease> waiting = waiter.lock(name).acquireAsync(Duration.ofSeconds(50));
        // both of the waiter's tries (before and after joining the channel) have missed: it waits
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> calls(server, "evalsha") >= tries + 2);
        held.close();
        waiting.get(30, TimeUnit.SECONDS).close();
      }
      assertThat(calls(server, "subscribe")).as("SUBSCRIBEs for %s hand-offs in a row", handoffs).isEqualTo(1);
      assertThat(calls(server, "unsubscribe")).as("UNSUBSCRIBEs while the lock stays contended").isZero();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(server, channel) == 0L);
      assertThat(calls(server, "unsubscribe")).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aReleaseNobodyWaitsForPublishesNothingAndOneWithAWaiterWakesIt(String driver) throws Exception {
    String name = "sharing/quiet-" + driver;
    LockOptions longLease = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).build();
    try (RedisServer server = RedisServer.launch();
        LockClient holder = Locks.connect(server.uri() + "?driver=" + driver, longLease);
        LockClient waiter = Locks.connect(server.uri() + "?driver=" + driver, longLease)) {
      for (int i = 0; i < 20; i++) {
        holder.lock(name).acquire(Duration.ofSeconds(5)).close();
        waiter.lock(name).acquire(Duration.ofSeconds(5)).close();
      }
      assertThat(calls(server, "publish")).as("PUBLISHes of 40 releases that nobody waited for").isZero();

      Lease held = holder.lock(name).acquire(Duration.ofSeconds(5));
      long tries = calls(server, "evalsha");
      CompletableFuture<Lease> waiting = waiter.lock(name).acquireAsync(Duration.ofSeconds(50));
      // both of the waiter's tries (before and after joining the channel) have missed: it waits, announced
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> calls(server, "evalsha") >= tries + 2);
      long released = System.nanoTime();
      held.close();
      waiting.get(30, TimeUnit.SECONDS).close();
      assertThat(Duration.ofNanos(System.nanoTime() - released)).as("woken by the release, not the 60 s lease")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(calls(server, "publish")).as("PUBLISHes of the release the waiter waited for").isEqualTo(1);
    }
  }

  /** How often the server ran a command, from {@code INFO commandstats}. */
  private static long calls(RedisServer server, String command) {
    try (Resp r = server.resp()) {
      Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(r.string("INFO", "commandstats"));
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
  }

  private static long subscribers(RedisServer server, String channel) {
    try (Resp r = server.resp()) {
      return (Long) ((List<?>) r.call("PUBSUB", "NUMSUB", channel)).get(1);
    }
  }
}
