package dev.lockkit.spring.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Two application contexts, each with its own {@link LockClient} on one Redis, both scheduling the same job every
 * second: each tick's run happens on exactly one of them.
 */
class ScheduledLockTickTest {
  private static final int TICKS = 5;

  /** A run: which context, and the tick (the wall clock's second nearest to the run's start). */
  record Run(String node, long tick) {}

  /** Where both contexts record their runs. */
  static final class Runs {
    final List<Run> all = new CopyOnWriteArrayList<>();
  }

  /** The job, on every node. */
  static class TickJob {
    private final String node;
    private final Runs runs;

    TickJob(String node, Runs runs) {
      this.node = node;
      this.runs = runs;
    }

    // lockAtLeastFor: half the period, the room either node's trigger has to fire late (or early) without a second
    // run in one tick or a missed one in the next
    @Scheduled(cron = "* * * * * *")
    @ScheduledLock(name = "${tick.lock}", lockAtLeastFor = "500ms")
    public void tick() {
      // rounded: the scheduler may fire a few milliseconds before the second, or late on a busy machine
      runs.all.add(new Run(node, Math.round(System.currentTimeMillis() / 1000.0)));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableScheduling
  static class Node {
    @Bean(destroyMethod = "close")
    LockClient lockClient() {
      return Locks.connect(SharedServers.standalone().uri());
    }

    @Bean
    TickJob tickJob(Environment env, Runs runs) {
      return new TickJob(env.getRequiredProperty("node"), runs);
    }
  }

  @Test
  void eachTickRunsOnExactlyOneOfTwoNodes() {
    Runs runs = new Runs();
    String lock = "jobs/tick-" + UUID.randomUUID();
    // a cold JVM's first lock call (driver, scripts) can outlast a tick, and its run would then miss the next one
    try (LockClient warm = Locks.connect(SharedServers.standalone().uri())) {
      warm.lock(lock + "-warm").tryAcquire().orElseThrow().close();
    }
    ApplicationContextRunner base = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LockkitSchedulingAutoConfiguration.class))
        .withUserConfiguration(Node.class)
        .withBean(Runs.class, () -> runs)
        .withPropertyValues("tick.lock=" + lock);
    List<ScheduledLockStats> stats = new CopyOnWriteArrayList<>();
    long[] from = new long[1];
    base.withPropertyValues("node=a").run(a -> base.withPropertyValues("node=b").run(b -> {
      stats.add(a.getBean(ScheduledLockStats.class));
      stats.add(b.getBean(ScheduledLockStats.class));
      // both nodes are up: from the tick after next, every tick must run exactly once
      from[0] = System.currentTimeMillis() / 1000 + 2;
      await().atMost(Duration.ofSeconds(20))
          .until(() -> runs.all.stream().filter(r -> r.tick() >= from[0]).count() >= TICKS);
    }));
    // both contexts are closed: a run that was under way when they closed has counted itself by now
    await().atMost(Duration.ofSeconds(5))
        .until(() -> count(stats, lock, ScheduledLockOutcome.RAN) == runs.all.size());

    TreeMap<Long, List<String>> byTick = runs.all.stream().collect(Collectors.groupingBy(Run::tick, TreeMap::new,
        Collectors.mapping(Run::node, Collectors.toList())));
    assertThat(byTick.values()).as("runs per tick, from the start: %s", byTick)
        .allSatisfy(nodes -> assertThat(nodes).hasSize(1));
    Map<Long, List<String>> observed = byTick.tailMap(from[0], true);
    assertThat(observed.keySet()).as("no tick without a run once both nodes are up: %s", byTick)
        .startsWith(from[0])
        .containsExactlyElementsOf(LongStream.range(from[0], from[0] + observed.size()).boxed().toList())
        .hasSizeGreaterThanOrEqualTo(TICKS);
    // both nodes' triggers fired: the node that did not run a tick found the lock held and skipped
    assertThat(count(stats, lock, ScheduledLockOutcome.SKIPPED)).as("skipped calls").isPositive();
    assertThat(count(stats, lock, ScheduledLockOutcome.LOST) + count(stats, lock, ScheduledLockOutcome.FAILED))
        .isZero();
  }

  private static long count(List<ScheduledLockStats> stats, String lock, ScheduledLockOutcome outcome) {
    return stats.stream().mapToLong(s -> s.count(lock, outcome)).sum();
  }
}
