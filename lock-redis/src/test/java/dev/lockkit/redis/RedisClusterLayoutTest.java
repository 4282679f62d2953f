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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cluster runs really spread over the masters, and each lock's keys share one slot. */
class RedisClusterLayoutTest {

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
