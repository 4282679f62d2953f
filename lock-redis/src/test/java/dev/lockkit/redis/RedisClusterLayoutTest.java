package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisCluster;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cluster runs really spread over the masters, each lock's keys share one slot, waiters share one
 * subscription per lock name per client (sharded on Redis 7), and clients of both drivers wake each other.
 */
class RedisClusterLayoutTest {

  @ParameterizedTest
  @ValueSource(strings = {"lettuce>jedis", "jedis>lettuce", "lettuce>lettuce", "jedis>jedis"})
  void waitersShareOneShardedSubscriptionAndAreWokenAcrossDrivers(String pair) throws Exception {
    RedisCluster cluster = SharedServers.cluster();
    String holderDriver = pair.substring(0, pair.indexOf('>'));
    String waiterDriver = pair.substring(pair.indexOf('>') + 1);
    String name = "shared-wait/" + pair.replace(">", "-to-");
    String channel = "lockkit:{" + name + "}:released";
    LockOptions longLease = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).build();
    try (LockClient holder = Locks.connect(cluster.uri() + "?driver=" + holderDriver, longLease);
        LockClient waiter = Locks.connect(cluster.uri() + "?driver=" + waiterDriver, longLease)) {
      Lease held = holder.lock(name).acquire(Duration.ofSeconds(5));
      List<CompletableFuture<Void>> waiting = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        // each closes its lease at once, so that the next one may have it: they finish in any order
        waiting.add(waiter.lock(name).acquireAsync(Duration.ofSeconds(50)).thenAccept(Lease::close));
      }
      RedisServer owner = cluster.nodeOf(channel);
      // sharded on Redis 7 (and then no plain subscription); plain on 6.2, the embedded fallback binary
      boolean sharded = owner.hasShardedPubSub();
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> subscribers(cluster, owner, channel, sharded) == 1L);
      if (sharded) {
        assertThat(subscribers(cluster, owner, channel, false)).as("no plain subscription").isEqualTo(0L);
      }
      long released = System.nanoTime();
      held.close();
      CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - released)).as("woken by the release, not the 60 s lease")
          .isLessThan(Duration.ofSeconds(10));
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> subscribers(cluster, owner, channel, sharded) == 0L);
    }
  }

  /** Sharded subscriptions live on the slot's owner; plain ones on whichever node the client connected to. */
  static long subscribers(RedisCluster cluster, RedisServer owner, String channel, boolean sharded) {
    long count = 0;
    for (RedisServer node : sharded ? List.of(owner) : cluster.nodes()) {
      try (Resp r = node.resp()) {
        count += (Long) ((List<?>) r.call("PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel)).get(1);
      }
    }
    return count;
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void locksSpreadOverEveryMasterAndEachKeepsItsFenceOnItsOwnNode(String driver) throws Exception {
    RedisCluster cluster = SharedServers.cluster();
    String prefix = "layout-" + driver + "/";
    List<Lease> held = new ArrayList<>();
    try (LockClient client = Locks.connect(cluster.uri() + "?driver=" + driver, LockOptions.defaults())) {
      for (int i = 0; i < 30; i++) {
        held.add(client.lock(prefix + i).acquire(Duration.ofSeconds(5)));
      }
      for (RedisServer node : cluster.nodes()) {
        try (Resp r = node.resp()) {
          assertThat((List<?>) r.call("KEYS", "lockkit:{" + prefix + "*}"))
              .as("locks held on node %s", node.port()).isNotEmpty();
        }
      }
      for (int i = 0; i < 30; i++) {
        String lock = "lockkit:{" + prefix + i + "}";
        try (Resp r = cluster.nodeOf(lock).resp()) {
          assertThat(r.call("EXISTS", lock, lock + ":fence")).isEqualTo(2L);
        }
      }
      held.forEach(Lease::close);
      for (RedisServer node : cluster.nodes()) {
        try (Resp r = node.resp()) {
          assertThat((List<?>) r.call("KEYS", "lockkit:{" + prefix + "*}")).as("all released").isEmpty();
        }
      }
    }
  }
}
