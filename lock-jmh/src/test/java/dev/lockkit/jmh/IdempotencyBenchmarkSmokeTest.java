package dev.lockkit.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.jmh.servers.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@link IdempotencyBenchmark}, every contender, one short iteration in this JVM: so that it does not rot. Not a
 * measurement; it asserts that each combination ran and completed requests, and that the contenders do what
 * their names say to the counter and the records.
 */
class IdempotencyBenchmarkSmokeTest {

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyContenderRunsWithOneAndEightThreads() throws Exception {
    Options options = new OptionsBuilder()
        .include(IdempotencyBenchmark.class.getSimpleName())
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> results = new Runner(options).run();

    List<String> ran = new ArrayList<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      String contender = r.getParams().getParam("contender");
      assertThat(r.getPrimaryResult().getScore()).as("%s %s", method, contender).isPositive();
      ran.add(method.substring(method.lastIndexOf('.') + 1) + " " + contender);
    }
    List<String> expected = new ArrayList<>();
    for (String m : List.of("thread1", "threads8")) {
      for (IdempotencyContender c : IdempotencyContender.values()) {
        expected.add(m + " " + c);
      }
    }
    assertThat(ran).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  void firstRequestsRunTheActionAndDuplicatesReplayIt() throws Exception {
    String keys = "smoke-" + UUID.randomUUID();
    for (IdempotencyContender c : IdempotencyContender.values()) {
      try (IdempotencyContender.Instance instance = c.create()) {
        long first = Long.parseLong(instance.request(c.key(keys + c, 0)));
        long second = Long.parseLong(instance.request(c.key(keys + c, 1)));
        if (c == IdempotencyContender.REPLAY) {
          assertThat(second).as("a duplicate replays the first request's counter value").isEqualTo(first);
        } else {
          assertThat(second).as("%s runs the action on every fresh key", c).isGreaterThan(first);
        }
      }
    }
    // the guard and the unfenced scheme left a record of what they ran; the bare action none
    RedisClient client = RedisClient.create(Servers.redisUri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(connection.sync().keys("lockkit:idem:r:*" + keys + "GUARD_REDIS-*")).hasSize(2);
      assertThat(connection.sync().keys("lockkit:idem:r:*" + keys + "REPLAY*")).hasSize(1);
      assertThat(connection.sync().get("idem:" + keys + "UNFENCED-1")).matches("[0-9]+");
      assertThat(connection.sync().keys("*" + keys + "BARE*")).isEmpty();
    } finally {
      client.shutdown();
    }
  }
}
