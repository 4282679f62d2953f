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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server drops a client's subscription connection ({@code CLIENT KILL TYPE pubsub}) while it waits: the
 * driver subscribes again, and the waiter is still woken by the next release, not by the holder's TTL.
 */
class SubscriptionConnectionLossTest {

  @ParameterizedTest
  @ValueSource(strings = {"standalone-lettuce", "standalone-jedis", "cluster-lettuce", "cluster-jedis"})
  void aWaiterSurvivesTheLossOfItsSubscriptionConnection(String setup) throws Exception {
    boolean cluster = setup.startsWith("cluster");
    String driver = setup.substring(setup.indexOf('-') + 1);
    String uri = (cluster ? SharedServers.cluster().uri() : SharedServers.standalone().uri()) + "?driver=" + driver;
    List<RedisServer> nodes = cluster ? SharedServers.cluster().nodes() : List.of(SharedServers.standalone());
    String name = "pubsub-loss/" + setup;
    String channel = "lockkit:{" + name + "}:released";
    RedisServer owner = cluster ? SharedServers.cluster().nodeOf(channel) : nodes.get(0);
    boolean sharded = cluster && owner.hasShardedPubSub();
    LockOptions longLease = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).build();
    try (LockClient holder = Locks.connect(uri, longLease); LockClient waiter = Locks.connect(uri, longLease)) {
      Lease held = holder.lock(name).acquire(Duration.ofSeconds(5));
      CompletableFuture<Lease> waiting = waiter.lock(name).acquireAsync(Duration.ofSeconds(50));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(nodes, owner, channel, sharded) == 1L);
      for (RedisServer node : nodes) {
        try (Resp r = node.resp()) {
          r.call("CLIENT", "KILL", "TYPE", "pubsub");
        }
      }
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> subscribers(nodes, owner, channel, sharded) == 1L);
      long released = System.nanoTime();
      held.close();
      try (Lease next = waiting.get(30, TimeUnit.SECONDS)) {
        assertThat(next.isValid()).isTrue();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - released)).as("woken by the release, not the 60 s lease")
          .isLessThan(Duration.ofSeconds(10));
    }
  }

  /** Sharded subscriptions live on the slot's owner; plain ones on whichever node the client connected to. */
  private static long subscribers(List<RedisServer> nodes, RedisServer owner, String channel, boolean sharded) {
    long count = 0;
    for (RedisServer node : sharded ? List.of(owner) : nodes) {
      try (Resp r = node.resp()) {
        count += (Long) ((List<?>) r.call("PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel)).get(1);
      }
    }
    return count;
  }
}
