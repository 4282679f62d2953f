package dev.lockkit.jmh.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The pair probe runs on Redis, on small sizes (a smoke pass, not a measurement), and its table says the truth. */
class PairProbeSmokeTest {

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void bothContendersGetARowAgainstTheReferenceAndEveryRoundItsBlockRates(@TempDir Path dir) throws Exception {
    List<Contender> contenders = List.of(Contender.LOCKKIT_REDIS_LETTUCE, Contender.FLOOR_LETTUCE);
    Path out = dir.resolve("pair.md");
    PairProbe.Settings settings = new PairProbe.Settings(contenders, 4, Duration.ofMillis(100), Duration.ofSeconds(1),
        1, out);

    String md = PairProbe.run(settings, Contender::create);

    assertThat(Files.readString(out)).isEqualTo(md);
    for (Contender c : contenders) {
      Matcher row = Pattern.compile("(?m)^\\| " + c + " \\| ([0-9,]+) \\| ([0-9,]+) \\| ([0-9.]+)x \\| "
          + "[0-9.]+-[0-9.]+x \\| ([0-9.]+)x \\| [0-9,.]+ µs \\| [0-9,.]+ µs \\| [0-9,.]+ µs \\| ([0-9,.]+) µs \\|$")
          .matcher(md);
      assertThat(row.find()).as("%s row in:%n%s", c, md).isTrue();
      assertThat(number(row.group(1))).as("%s cycles", c).isPositive();
      assertThat(number(row.group(2))).as("%s ops/s", c).isPositive();
      if (c == contenders.get(0)) {
        assertThat(row.group(3)).as("the reference against itself").isEqualTo("1.00");
        assertThat(row.group(4)).as("the reference pooled against itself").isEqualTo("1.00");
      }
      // redis-server works for every cycle, and its pid is known: some of its CPU time shows
      assertThat(Double.parseDouble(row.group(5).replace(",", ""))).as("%s server CPU per cycle", c).isPositive();
    }
    // four rounds, each with both rates, the first contender rotated
    Matcher rounds = Pattern.compile("(?m)^\\| ([1-4]) \\| ([A-Z_]+) \\| ([0-9,]+) \\| ([0-9,]+) \\|$").matcher(md);
    List<String> firsts = new ArrayList<>();
    while (rounds.find()) {
      assertThat(rounds.group(1)).isEqualTo(String.valueOf(firsts.size() + 1));
      firsts.add(rounds.group(2));
      assertThat(number(rounds.group(3))).as("round %s, %s", rounds.group(1), contenders.get(0)).isPositive();
      assertThat(number(rounds.group(4))).as("round %s, %s", rounds.group(1), contenders.get(1)).isPositive();
    }
    assertThat(firsts).as("rounds in:%n%s", md).containsExactly("LOCKKIT_REDIS_LETTUCE", "FLOOR_LETTUCE",
        "LOCKKIT_REDIS_LETTUCE", "FLOOR_LETTUCE");
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void aContenderWhoseLockCycleThrowsStopsTheProbeClosingEveryClient(@TempDir Path dir) {
    List<String> closed = new ArrayList<>();
    AtomicInteger cycles = new AtomicInteger();
    PairProbe.Clients clients = c -> new Contender.Instance() {
      @Override
      public LockHandle lock(String name) {
        return () -> {
          if (c == Contender.FLOOR_LETTUCE && cycles.incrementAndGet() == 1000) {
            throw new IllegalStateException("connection reset");
          }
          return () -> {};
        };
      }

      @Override
      public void close() {
        closed.add(c.name());
      }
    };
    Path out = dir.resolve("pair.md");
    PairProbe.Settings settings = new PairProbe.Settings(List.of(Contender.LOCKKIT_REDIS_LETTUCE,
        Contender.FLOOR_LETTUCE), 100_000, Duration.ofMillis(10), Duration.ZERO, 1, out);

    assertThatThrownBy(() -> PairProbe.run(settings, clients)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("FLOOR_LETTUCE: a lock cycle failed in round").hasMessageContaining("connection reset");
    assertThat(closed).containsExactly("LOCKKIT_REDIS_LETTUCE", "FLOOR_LETTUCE");
    assertThat(out).doesNotExist();
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void withThreadsEachBlockRunsThatManyThreadsAtOnceEachOnItsOwnLockAndCountsEveryCycle(@TempDir Path dir)
      throws Exception {
    Map<String, AtomicInteger> perLock = new ConcurrentHashMap<>();
    Map<Contender, Set<String>> names = new ConcurrentHashMap<>();
    AtomicInteger sharedLock = new AtomicInteger(); // cycles that found their lock in another thread's cycle
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger mostInside = new AtomicInteger();
    PairProbe.Clients clients = c -> new Contender.Instance() {
      @Override
      public LockHandle lock(String name) {
        names.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet()).add(name);
        AtomicInteger count = perLock.computeIfAbsent(name, k -> new AtomicInteger());
        AtomicInteger inThisLock = new AtomicInteger();
        return () -> {
          count.incrementAndGet();
          if (inThisLock.incrementAndGet() > 1) {
            sharedLock.incrementAndGet();
          }
          mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          Thread.sleep(1); // a cycle takes a while, so the block's threads overlap
          return () -> {
            inside.decrementAndGet();
            inThisLock.decrementAndGet();
          };
        };
      }

      @Override
      public void close() {}
    };
    Path out = dir.resolve("pair.md");
    PairProbe.Settings settings = new PairProbe.Settings(List.of(Contender.LOCKKIT_REDIS_LETTUCE,
        Contender.FLOOR_LETTUCE), 3, Duration.ofMillis(100), Duration.ZERO, 3, out);

    String md = PairProbe.run(settings, clients);

    assertThat(md).startsWith("# 3 threads, each on a lock of its own: contenders interleaved in blocks");
    assertThat(mostInside.get()).as("threads in a cycle at once").isEqualTo(3);
    assertThat(sharedLock.get()).as("cycles on a lock another thread was cycling").isZero();
    for (Contender c : settings.contenders()) {
      assertThat(names.get(c)).as("%s's locks", c).hasSize(3);
      int cycles = 0;
      for (String name : names.get(c)) {
        assertThat(perLock.get(name).get()).as("cycles on %s", name).isPositive();
        cycles += perLock.get(name).get();
      }
      Matcher row = Pattern.compile("(?m)^\\| " + c + " \\| ([0-9,]+) \\|").matcher(md);
      assertThat(row.find()).as("row of %s in:%n%s", c, md).isTrue();
      assertThat(number(row.group(1))).as("%s's cycles: every thread's", c).isEqualTo(cycles);
    }
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void withOneLockEveryThreadOfABlockCyclesTheContendersOneLock(@TempDir Path dir) throws Exception {
    Map<Contender, Set<String>> names = new ConcurrentHashMap<>();
    Map<Contender, Set<Thread>> threads = new ConcurrentHashMap<>();
    PairProbe.Clients clients = c -> new Contender.Instance() {
      @Override
      public LockHandle lock(String name) {
        names.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet()).add(name);
        return () -> {
          threads.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread());
          return () -> {};
        };
      }

      @Override
      public void close() {}
    };
    PairProbe.Settings settings = new PairProbe.Settings(List.of(Contender.LOCKKIT_REDIS_LETTUCE,
        Contender.FLOOR_LETTUCE), 3, Duration.ofMillis(100), Duration.ZERO, 3, true, dir.resolve("pair.md"));

    String md = PairProbe.run(settings, clients);

    assertThat(md).startsWith("# 3 threads on one lock: contenders interleaved in blocks");
    for (Contender c : settings.contenders()) {
      assertThat(names.get(c)).as("%s's locks", c).hasSize(1);
      assertThat(threads.get(c)).as("threads that cycled %s's lock", c).hasSize(3);
    }
  }

  @Test
  void theRatioIsTheMedianOfThePerRoundRatiosBesideTheirRangeAndThePooledRatio() {
    Contender a = Contender.LOCKKIT_REDIS_LETTUCE;
    Contender b = Contender.LOCKKIT_REDIS_LETTUCE_SOLO;
    List<PairProbe.Block> blocks = new ArrayList<>();
    long[] bCycles = {90, 100, 110, 120, 200};
    for (int round = 1; round <= 5; round++) {
      // each block 0.1 s: the reference at 1,000/s, b at 900, 1,000, 1,100, 1,200, 2,000/s
      blocks.add(new PairProbe.Block(round, a, 100, 100_000_000, 1_000_000, -1));
      blocks.add(new PairProbe.Block(round, b, bCycles[round - 1], 100_000_000, 2_000_000, -1));
    }
    PairProbe.Settings settings = new PairProbe.Settings(List.of(a, b), 5, Duration.ofMillis(100), Duration.ZERO,
        1, Path.of("unused.md"));

    String md = PairTable.markdown(settings, new PairProbe.Measured(blocks, Map.of(a, new long[] {1_000, 3_000},
        b, new long[] {2_000})), Duration.ofSeconds(1));

    // ratios 0.9, 1.0, 1.1, 1.2, 2.0: median 1.10, p10 0.94, p90 1.68; pooled 620 / 500 cycles = 1.24
    assertThat(md).contains("| " + a + " | 500 | 1,000 | 1.00x | 1.00-1.00x | 1.00x | 1.0 µs | 3.0 µs | 10.0 µs "
        + "| n/a |");
    assertThat(md).contains("| " + b + " | 620 | 1,240 | 1.10x | 0.94-1.68x | 1.24x | 2.0 µs | 2.0 µs | 16.1 µs "
        + "| n/a |");
    assertThat(md).contains("| 5 | " + a + " | 1,000 | 2,000 |");
  }

  @Test
  void badArgumentsAreRejectedNamingTheArgumentTheValueAndWhatIsAllowed() {
    Properties none = new Properties();
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[] {"FLOOR_LETTUCE"}, none))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("contenders: [FLOOR_LETTUCE] must name at least 2 contenders, each once, the first the reference");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[] {"FLOOR_LETTUCE,CURATOR,FLOOR_LETTUCE"}, none))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("contenders: [FLOOR_LETTUCE, CURATOR, FLOOR_LETTUCE] must name at least 2");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[] {"FLOOR_LETTUCE,NOPE"}, none))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("contenders: \"FLOOR_LETTUCE,NOPE\" names no Contender; allowed: [");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[0], with("rounds", "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("rounds: 0 must be at least 1");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[0], with("rounds", "many")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("rounds: \"many\" is not a whole number");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[0], with("blockMillis", "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("blockMillis: 0 must be at least 1 (ms)");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[0], with("threads", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads: 0 must be from 1 to 256 (threads of a block, each on a lock of its own)");
    assertThatThrownBy(() -> PairProbe.Settings.parse(new String[0], with("warmup", "-1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("warmup: -1.0 must be >= 0 (seconds)");

    PairProbe.Settings defaults = PairProbe.Settings.parse(new String[] {"", ""}, none);
    assertThat(defaults.contenders()).containsExactly(Contender.LOCKKIT_REDIS_LETTUCE,
        Contender.LOCKKIT_REDIS_LETTUCE_SOLO);
    assertThat(defaults.rounds()).isEqualTo(60);
    assertThat(defaults.block()).isEqualTo(Duration.ofMillis(250));
    assertThat(defaults.warmup()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.threads()).isEqualTo(1);
    assertThat(defaults.out()).isEqualTo(Path.of("target/bench/pair.md"));
  }

  private static Properties with(String key, String value) {
    Properties props = new Properties();
    props.setProperty(key, value);
    return props;
  }

  private static long number(String digits) {
    return Long.parseLong(digits.replace(",", ""));
  }
}
