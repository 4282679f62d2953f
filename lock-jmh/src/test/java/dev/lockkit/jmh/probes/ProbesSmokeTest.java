package dev.lockkit.jmh.probes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.IdempotencyContender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The probes still run, on small sizes: a smoke pass, not a measurement. */
class ProbesSmokeTest {

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void handOffsAreMeasuredForEveryServedLock() throws Exception {
    for (Contender c : new Contender[] {Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_JEDIS,
        Contender.LOCKKIT_ZOOKEEPER, Contender.REDISSON, Contender.CURATOR, Contender.FLOOR_LETTUCE}) {
      HandoffProbe.Handoffs h = HandoffProbe.measure(c, 20, 10);
      assertThat(h.stuck()).as("%s stuck hand-offs", c).isZero();
      Percentiles p = new Percentiles(h.nanos());
      assertThat(p.count()).isEqualTo(20);
      // measured from the start of the release: a waiter that got the lock before it would show as negative
      assertThat(p.at(0)).as("%s shortest hand-off", c).isPositive();
    }
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  void aWaiterThatFailsEndsTheRunAsStuckInsteadOfAbortingIt() throws Exception {
    // not a lock: the holder's client always gets it, the waiter's client always fails, as a broken library would
    AtomicInteger clients = new AtomicInteger();
    HandoffProbe.Handoffs h = HandoffProbe.measure(() -> {
      boolean waiter = clients.incrementAndGet() == 2;
      return new Contender.Instance() {
        @Override
        public LockHandle lock(String name) {
          return () -> {
            if (waiter) {
              throw new IllegalStateException("the waiter's library failed");
            }
            return () -> {};
          };
        }

        @Override
        public void close() {}
      };
    }, 20, 10);

    assertThat(h.stuck()).isEqualTo(1);
    assertThat(h.nanos()).isEmpty();
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  void eachSideReleasesOnTheThreadThatTookTheLockAsRedissonAndCuratorRequire() throws Exception {
    // a JVM lock owned by threads, as RLock and InterProcessMutex are: unlock on another thread throws
    ReentrantLock shared = new ReentrantLock();
    HandoffProbe.Handoffs h = HandoffProbe.measure(() -> new Contender.Instance() {
      @Override
      public LockHandle lock(String name) {
        return () -> {
          shared.lock();
          return shared::unlock;
        };
      }

      @Override
      public void close() {}
    }, 20, 10);

    assertThat(h.stuck()).isZero();
    assertThat(h.nanos()).hasSize(20);
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  void theWakeFloorHandsOffWithoutPolling() throws Exception {
    HandoffProbe.Handoffs h = HandoffProbe.measure(WakeFloor::new, 20, 10);
    assertThat(h.stuck()).as("stuck hand-offs").isZero();
    Percentiles p = new Percentiles(h.nanos());
    assertThat(p.count()).isEqualTo(20);
    // measured from the start of the release: a waiter that got the lock before it would show as negative
    assertThat(p.at(0)).as("shortest hand-off").isPositive();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void whatALockCostsTheZooKeeperServerIsCounted() throws Exception {
    for (Contender c : new Contender[] {Contender.FLOOR_ZOOKEEPER, Contender.LOCKKIT_ZOOKEEPER, Contender.CURATOR}) {
      try (Contender.Instance instance = c.create()) {
        ZooKeeperCostProbe.Cost cost = ZooKeeperCostProbe.measure(instance.lock("probe/cost-" + c), 50);
        // two requests (create, delete) or three (create, children, delete), give or take a session's ping
        assertThat(cost.requestsPerOp()).as("%s requests per lock and unlock", c).isBetween(1.9, 3.2);
        assertThat(cost.opsPerSecond()).as("%s lock and unlock rate", c).isPositive();
      }
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void theIdempotencyGuardsCommandsPerRequestAreCounted() throws Exception {
    Map<IdempotencyContender, IdempotencyCostProbe.Cost> costs = new EnumMap<>(IdempotencyContender.class);
    for (IdempotencyContender c : IdempotencyContender.values()) {
      costs.put(c, IdempotencyCostProbe.measure(c, 50));
    }
    IdempotencyCostProbe.Cost bare = costs.get(IdempotencyContender.BARE);
    IdempotencyCostProbe.Cost unfenced = costs.get(IdempotencyContender.UNFENCED);
    IdempotencyCostProbe.Cost guard = costs.get(IdempotencyContender.GUARD_REDIS);
    IdempotencyCostProbe.Cost replay = costs.get(IdempotencyContender.REPLAY);
    // the client-side schemes send exactly what they are written to send, nothing in scripts
    assertThat(bare.sent()).isEqualTo(Map.of("INCR", 1.0));
    assertThat(bare.inScripts()).isEmpty();
    assertThat(unfenced.sent()).isEqualTo(Map.of("SET", 2.0, "INCR", 1.0));
    assertThat(unfenced.inScripts()).isEmpty();
    // the guard: scripts (lock, claim, complete, release) and the action once per request
    assertThat(guard.sent()).containsEntry("INCR", 1.0).containsKey("EVALSHA");
    assertThat(guard.inScripts()).isNotEmpty();
    assertThat(guard.roundTrips()).isGreaterThan(unfenced.roundTrips());
    assertThat(unfenced.roundTrips()).isGreaterThan(bare.roundTrips());
    assertThat(guard.serverCommands()).isGreaterThan(guard.roundTrips());
    // a replay runs no action
    assertThat(replay.sent()).doesNotContainKey("INCR").containsKey("EVALSHA");
    costs.forEach((c, cost) -> {
      assertThat(cost.roundTrips()).as("%s round trips", c).isPositive();
      assertThat(cost.micros()).as("%s time per request", c).isPositive();
    });
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void manyWaitersAllGetTheirLock() throws Exception {
    for (Contender c : new Contender[] {Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_JEDIS}) {
      String row = ScaleProbe.measure(c, 50);
      assertThat(row).as("%s: no failed waiter (last column)", c).endsWith("| 0 |" + System.lineSeparator());
    }
  }
}
