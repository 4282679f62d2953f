package dev.lockkit.jmh.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The cycle probe still runs, on small sizes: a smoke pass, not a measurement. */
class CycleProbeSmokeTest {

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void forkedEveryContenderGetsARowPerThreadCountMeasuredInAJvmOfItsOwn(@TempDir Path dir) throws Exception {
    List<Contender> contenders = List.of(Contender.LOCKKIT_REDIS_LETTUCE, Contender.FLOOR_LETTUCE);
    Path out = dir.resolve("cycle.md");
    CycleProbe.Settings settings = new CycleProbe.Settings(contenders, List.of(1, 4), 1, Duration.ofMillis(500),
        Duration.ofMillis(500), true, out);

    CycleProbe.Outcome outcome = CycleProbe.run(settings);

    assertThat(outcome.failures()).isEmpty();
    String md = Files.readString(out);
    assertThat(md).isEqualTo(outcome.markdown()).contains("Mode: forked, each (round, contender) in a JVM of its own");
    assertRows(md, contenders);
    // one round of two thread counts of two contenders, each contender's thread counts in its child, in order
    String rounds = section(md, "Rounds");
    assertThat(Pattern.compile("(?m)^\\| 1 \\| [14] \\| [A-Z_]+ \\| [0-9,]+ \\| [0-9,]+ \\|").matcher(rounds)
        .results().count()).isEqualTo(4);
    assertThat(rounds).containsSubsequence("| 1 | 1 | LOCKKIT_REDIS_LETTUCE |", "| 1 | 4 | LOCKKIT_REDIS_LETTUCE |",
        "| 1 | 1 | FLOOR_LETTUCE |", "| 1 | 4 | FLOOR_LETTUCE |");
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void forkedAChildWhoseClientFailsFailsItsContenderNamingTheCause(@TempDir Path dir) throws Exception {
    // a Redis that refuses connections: the child's client fails at once, the child reports it and exits
    String before = System.getProperty("lockkit.bench.redis");
    System.setProperty("lockkit.bench.redis", "redis://127.0.0.1:" + dev.lockkit.jmh.servers.ChildProcess.freePort());
    try {
      Path out = dir.resolve("cycle.md");
      CycleProbe.Outcome outcome = CycleProbe.run(new CycleProbe.Settings(List.of(Contender.FLOOR_LETTUCE),
          List.of(1), 2, Duration.ofMillis(200), Duration.ZERO, true, out));

      assertThat(outcome.failures()).containsOnlyKeys(Contender.FLOOR_LETTUCE);
      // round 1 named: the child of round 2 was not started, the contender left out
      assertThat(outcome.failures().get(Contender.FLOOR_LETTUCE)).startsWith("round 1: ")
          .contains("FLOOR_LETTUCE-connect failed");
      assertThat(section(Files.readString(out), "1 thread")).contains("| FLOOR_LETTUCE | failed |");
    } finally {
      if (before == null) {
        System.clearProperty("lockkit.bench.redis");
      } else {
        System.setProperty("lockkit.bench.redis", before);
      }
    }
  }

  @Test
  void aChildsReportLineReadsBackAsItsResultNaNsIncluded() {
    CycleRun.Result r = new CycleRun.Result(12_345, 4_115.25, 230_001, 1_900_000, 81_234.5, Double.NaN, 40_500.0);
    CycleChild.Reported back = CycleChild.parse(CycleChild.line(16, r));
    assertThat(back.threads()).isEqualTo(16);
    assertThat(back.result()).isEqualTo(r);
    assertThatThrownBy(() -> CycleChild.parse("run 1 2 3"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a run line");
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void inJvmEveryContenderGetsARowWithItsRatePerThreadCountAndEveryRoundIsListed(@TempDir Path dir)
      throws Exception {
    List<Contender> contenders = List.of(Contender.LOCKKIT_REDIS_LETTUCE, Contender.FLOOR_LETTUCE);
    Path out = dir.resolve("cycle.md");
    CycleProbe.Settings settings = new CycleProbe.Settings(contenders, List.of(1, 4), 2, Duration.ofMillis(300),
        Duration.ofMillis(300), false, out);

    CycleProbe.Outcome outcome = CycleProbe.run(settings);

    assertThat(outcome.failures()).isEmpty();
    String md = Files.readString(out);
    assertThat(md).isEqualTo(outcome.markdown()).contains("Mode: in-JVM (-Dforks=false)");
    assertRows(md, contenders);
    // two rounds of two thread counts of two contenders, the second round starting with the second contender
    String rounds = section(md, "Rounds");
    assertThat(Pattern.compile("(?m)^\\| [12] \\| [14] \\| [A-Z_]+ \\| [0-9,]+ \\| [0-9,]+ \\|").matcher(rounds)
        .results().count()).isEqualTo(8);
    assertThat(rounds).containsSubsequence("| 1 | 1 | LOCKKIT_REDIS_LETTUCE |", "| 1 | 1 | FLOOR_LETTUCE |",
        "| 2 | 1 | FLOOR_LETTUCE |", "| 2 | 1 | LOCKKIT_REDIS_LETTUCE |");
  }

  /** Every contender has a row of figures per thread count, the server's CPU included, the floor at 1.00x. */
  private static void assertRows(String md, List<Contender> contenders) {
    for (int threads : new int[] {1, 4}) {
      String section = section(md, threads + (threads == 1 ? " thread" : " threads"));
      for (Contender c : contenders) {
        Matcher row = Pattern.compile("(?m)^\\| " + c + " \\| ([0-9,]+) \\| [0-9,]+-[0-9,]+ \\| ([0-9.]+)x \\| "
            + "[0-9,.]+ µs \\| [0-9,.]+ µs \\| [0-9.]+x \\| [0-9,.]+ µs \\| [0-9.]+x \\| [0-9,]+ B \\| "
            + "([0-9,.]+) µs \\|$").matcher(section);
        assertThat(row.find()).as("%s row with %d threads in:%n%s", c, threads, section).isTrue();
        assertThat(Long.parseLong(row.group(1).replace(",", ""))).as("%s ops/s, %d threads", c, threads).isPositive();
        if (c == Contender.FLOOR_LETTUCE) {
          assertThat(row.group(2)).as("the floor against itself").isEqualTo("1.00");
        }
        // redis-server works for every cycle: some of its CPU time shows
        assertThat(Double.parseDouble(row.group(3).replace(",", ""))).as("%s server CPU, %d threads", c, threads)
            .isPositive();
      }
    }
  }

  @Test
  void aMalformedSystemPropertyIsRejectedNamingIt() {
    Properties props = new Properties();
    props.setProperty("threads", "1,four");
    assertThatThrownBy(() -> CycleProbe.Settings.parse(new String[0], props))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("threads: \"1,four\" is not");
    Properties forks = new Properties();
    forks.setProperty("forks", "maybe");
    assertThatThrownBy(() -> CycleProbe.Settings.parse(new String[0], forks))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("forks: \"maybe\" is not true");
    Properties defaults = new Properties();
    CycleProbe.Settings settings = CycleProbe.Settings.parse(new String[] {"", "x.md"}, defaults);
    assertThat(settings.threads()).containsExactly(1, 4, 16, 64);
    assertThat(settings.contenders()).hasSize(4).contains(Contender.FLOOR_LETTUCE);
    assertThat(settings.round()).isEqualTo(Duration.ofSeconds(3));
    assertThat(settings.out()).isEqualTo(Path.of("x.md"));
    assertThat(settings.forks()).as("forked by default").isTrue();
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  void aThreadStuckInItsLockCycleFailsTheRunOnceTheWatchdogsGraceIsOver() {
    CountDownLatch never = new CountDownLatch(1);
    LockHandle free = () -> () -> {};
    LockHandle hangs = () -> {
      never.await(); // a library that never answers, and does not listen to interruption either
      return () -> {};
    };
    long start = System.nanoTime();
    assertThatThrownBy(() -> CycleRun.run("stuck", List.of(free, hangs), Duration.ofMillis(200), 16,
        Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("stuck: 1 of 2 threads still in a lock cycle 1 s after the run's planned end (stuck; one stack "
            + "logged)");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    never.countDown(); // the stuck thread ends with the test
  }

  @Test
  @Timeout(value = 1, unit = TimeUnit.MINUTES)
  void aLockCycleThatThrowsFailsTheRunNamingTheCause() {
    AtomicInteger cycles = new AtomicInteger();
    LockHandle breaks = () -> {
      if (cycles.incrementAndGet() == 100) {
        throw new IllegalStateException("connection reset");
      }
      return () -> {};
    };
    assertThatThrownBy(() -> CycleRun.run("breaks", List.of(breaks), Duration.ofSeconds(10), 16))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("breaks: a thread's lock cycle failed")
        .hasMessageContaining("connection reset");
  }

  @Test
  void aRunCountsEveryCycleOfEveryThread() throws Exception {
    AtomicInteger cycles = new AtomicInteger();
    LockHandle counted = () -> {
      cycles.incrementAndGet();
      return () -> {};
    };
    // 16 preallocated latencies per thread: the arrays must grow, and lose none
    CycleRun.Result r = CycleRun.run("counted", List.of(counted, counted, counted), Duration.ofMillis(100), 16);
    assertThat(r.cycles()).isEqualTo(cycles.get()).isGreaterThan(3 * 16);
    assertThat(r.opsPerSecond()).isPositive();
    assertThat(r.p99Nanos()).isGreaterThanOrEqualTo(r.p50Nanos()).isPositive();
  }

  /** The text under the heading {@code ## title}, up to the next heading. */
  private static String section(String md, String title) {
    int start = md.indexOf("\n## " + title + "\n");
    assertThat(start).as("section %s in:%n%s", title, md).isNotNegative();
    int end = md.indexOf("\n## ", start + 1);
    return md.substring(start, end < 0 ? md.length() : end);
  }
}
