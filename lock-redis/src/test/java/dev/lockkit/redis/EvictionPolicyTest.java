package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.LogCapture;
import dev.lockkit.redis.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A server whose eviction policy may drop a held lock's key under memory pressure gets one warning per client,
 * saying what it means and what to set; a server that cannot evict lockkit's keys gets none.
 */
class EvictionPolicyTest {
  private static final String WARNING = "maxmemory-policy";

  @ParameterizedTest(name = "{0} {1} {2}: warned {3}")
  @CsvSource({
      "lettuce, 100mb, volatile-lru, true",
      "jedis, 100mb, volatile-ttl, true",
      "lettuce, 100mb, allkeys-lfu, true",
      "jedis, 100mb, noeviction, false",
      "lettuce, 0, allkeys-lru, false"})
  @Timeout(60)
  void aPolicyThatMayEvictLocksIsWarnedAboutOnce(String driver, String maxmemory, String policy, boolean warned)
      throws Exception {
    try (RedisServer server = RedisServer.launch("--maxmemory", maxmemory, "--maxmemory-policy", policy);
         LogCapture log = LogCapture.start()) {
      LockOptions options = LockOptions.builder().namespace("evict").build();
      try (LockClient client = Locks.connect(server.uri() + "?driver=" + driver, options)) {
        client.lock("evict/a").acquire(Duration.ofSeconds(5)).close();
        if (warned) {
          await("the warning").atMost(Duration.ofSeconds(10))
              .until(() -> !log.lines(" WARN dev.lockkit.redis.", WARNING).isEmpty());
          client.lock("evict/b").acquire(Duration.ofSeconds(5)).close();
          assertThat(log.lines(" WARN dev.lockkit.redis.", WARNING)).singleElement().asString()
              .contains(policy, server.uri().substring("redis://".length()), "noeviction",
                  "second owner");
        } else {
          // the check runs once, in the background, right after connecting: no warning comes
          await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
              .until(() -> log.lines(" WARN dev.lockkit.redis.", WARNING).isEmpty());
        }
      }
    }
  }
}
