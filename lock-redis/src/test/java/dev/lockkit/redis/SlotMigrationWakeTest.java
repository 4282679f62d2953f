package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisCluster;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock's slot moves to another node ({@code CLUSTER SETSLOT ... IMPORTING/MIGRATING}, {@code MIGRATE} of its
 * keys, {@code CLUSTER SETSLOT ... NODE}) while a client waits for it, and the holder then releases: the waiter
 * gets the lock within the wake-up bound, not at the end of the holder's 30 s lease.
 *
 * <p>On Redis 7 the cluster uses sharded pub/sub: the old owner unsubscribes the waiter from the lock's channel
 * by itself ({@code SUNSUBSCRIBE}) while the waiter's subscription connection to it lives on for another lock's
 * channel, and the release is published on the new owner only, so the driver must subscribe again there. On
 * Redis 6.2 (the embedded fallback, which has no sharded pub/sub) the same migration runs with plain pub/sub,
 * whose messages reach every node: the equivalent check that a moved slot costs no wake-up.
 */
class SlotMigrationWakeTest {
  private static final Logger log = LoggerFactory.getLogger(SlotMigrationWakeTest.class);
  private static final int SLOTS = 16384;
  private static final Duration LEASE = Duration.ofSeconds(30);
  /** A small fraction of {@link #LEASE}, with room for two loaded cores. */
  private static final long WAKE_UP_BOUND_SECONDS = 5;

  private static RedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.launch(3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aWaiterGetsTheLockWithinTheBoundAfterItsSlotMoved(String driver) throws Exception {
    boolean sharded = cluster.nodes().get(0).hasShardedPubSub();
    log.info("{} pub/sub on this cluster", sharded ? "Sharded" : "Plain (Redis 6.2)");
    // two locks whose slots the same node serves: the waiter's subscription connection to it outlives the move
    String moving = null;
    String staying = null;
    RedisServer source = null;
    for (int i = 0; staying == null; i++) {
      String name = "migration/" + driver + "/" + i;
      RedisServer owner = owner(slot(name));
      if (moving == null) {
        moving = name;
        source = owner;
      } else if (owner == source && slot(name) != slot(moving)) {
        staying = name;
      }
    }
    RedisServer target = cluster.nodes().get((cluster.nodes().indexOf(source) + 1) % cluster.nodes().size());
    LockOptions options = LockOptions.builder().leaseTime(LEASE).build();
    String uri = cluster.uri() + "?driver=" + driver;
    try (LockClient holder = Locks.connect(uri, options); LockClient waiter = Locks.connect(uri, options)) {
      Lease heldMoving = holder.lock(moving).acquire(Duration.ofSeconds(5));
      Lease heldStaying = holder.lock(staying).acquire(Duration.ofSeconds(5));
      CompletableFuture<Lease> waitingMoving = waiter.lock(moving).acquireAsync(Duration.ofSeconds(25));
      CompletableFuture<Lease> waitingStaying = waiter.lock(staying).acquireAsync(Duration.ofSeconds(25));
      for (String name : List.of(moving, staying)) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(name, sharded) == 1L);
      }

      migrate(slot(moving), source, target);
      heldMoving.close(); // runs on the new owner, found through MOVED
      long released = System.nanoTime();

      try (Lease next = waitingMoving.get(WAKE_UP_BOUND_SECONDS, TimeUnit.SECONDS)) {
        assertThat(next.isValid()).isTrue();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - released)).as("woken, not at the end of the holder's lease")
          .isLessThan(Duration.ofSeconds(WAKE_UP_BOUND_SECONDS));
      heldStaying.close();
      try (Lease next = waitingStaying.get(WAKE_UP_BOUND_SECONDS, TimeUnit.SECONDS)) {
        assertThat(next.isValid()).as("the other lock's waiter, on the old owner").isTrue();
      }
    }
  }

  /** Moves a slot with its keys, telling the destination first, as redis-cli's resharding does. */
  private static void migrate(int slot, RedisServer source, RedisServer target) {
    String sourceId = id(source);
    String targetId = id(target);
    String s = Integer.toString(slot);
    try (Resp src = source.resp(); Resp dst = target.resp()) {
      dst.call("CLUSTER", "SETSLOT", s, "IMPORTING", sourceId);
      src.call("CLUSTER", "SETSLOT", s, "MIGRATING", targetId);
      List<?> keys = (List<?>) src.call("CLUSTER", "GETKEYSINSLOT", s, "100");
      if (!keys.isEmpty()) {
        List<String> args = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(target.port()), "",
            "0", "5000", "KEYS"));
        keys.forEach(k -> args.add((String) k));
        src.call(args.toArray(String[]::new));
      }
      dst.call("CLUSTER", "SETSLOT", s, "NODE", targetId);
      src.call("CLUSTER", "SETSLOT", s, "NODE", targetId);
    }
    for (RedisServer other : cluster.nodes()) {
      if (other != source && other != target) {
        try (Resp r = other.resp()) {
          r.call("CLUSTER", "SETSLOT", s, "NODE", targetId);
        }
      }
    }
    Awaitility.await("every node sees the slot moved").atMost(Duration.ofSeconds(20))
        .until(() -> cluster.nodes().stream().allMatch(n -> owner(slot, n) == target));
    log.info("Slot {} moved from port {} to port {}", slot, source.port(), target.port());
  }

  private static String id(RedisServer node) {
    try (Resp r = node.resp()) {
      return r.string("CLUSTER", "MYID");
    }
  }

  private static int slot(String name) {
    try (Resp r = cluster.nodes().get(0).resp()) {
      return ((Long) r.call("CLUSTER", "KEYSLOT", "lockkit:{" + name + "}")).intValue();
    }
  }

  private static String channel(String name) {
    return "lockkit:{" + name + "}:released";
  }

  private static RedisServer owner(int slot) {
    return owner(slot, cluster.nodes().get(0));
  }

  /** The node that serves {@code slot} as {@code asked} sees it ({@code CLUSTER SLOTS}). */
  private static RedisServer owner(int slot, RedisServer asked) {
    if (slot < 0 || slot >= SLOTS) {
      throw new IllegalArgumentException("slot " + slot);
    }
    try (Resp r = asked.resp()) {
      for (Object range : (List<?>) r.call("CLUSTER", "SLOTS")) {
        List<?> entry = (List<?>) range;
        if ((Long) entry.get(0) <= slot && slot <= (Long) entry.get(1)) {
          long port = (Long) ((List<?>) entry.get(2)).get(1);
          return cluster.nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
        }
      }
    }
    throw new IllegalStateException("no node serves slot " + slot);
  }

  /** Sharded subscriptions live on the slot's owner; plain ones on whichever node the client subscribed on. */
  private static long subscribers(String name, boolean sharded) {
    long count = 0;
    for (RedisServer node : sharded ? List.of(owner(slot(name))) : cluster.nodes()) {
      try (Resp r = node.resp()) {
        count += (Long) ((List<?>) r.call("PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel(name))).get(1);
      }
    }
    return count;
  }
}
