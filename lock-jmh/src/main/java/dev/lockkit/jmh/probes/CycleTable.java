package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.probes.CycleProbe.Measured;
import dev.lockkit.jmh.probes.CycleProbe.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** {@link CycleProbe}'s Markdown: a table per thread count (medians over the rounds), then every round's figures. */
final class CycleTable {
  private CycleTable() {}

  /**
   * The floor of a contender's backend, what its ratios are taken against; null where there is none.
   *
   * @param c a contender
   * @return its backend's floor (itself for a floor), or null
   */
  static @Nullable Contender floorOf(Contender c) {
    return switch (c) {
      case LOCKKIT_REDIS_LETTUCE, LOCKKIT_REDIS_LETTUCE_SOLO, REDISSON, FLOOR_LETTUCE -> Contender.FLOOR_LETTUCE;
      case LOCKKIT_REDIS_JEDIS, FLOOR_JEDIS -> Contender.FLOOR_JEDIS;
      case LOCKKIT_ZOOKEEPER, LOCKKIT_ZOOKEEPER_SOLO, CURATOR, CURATOR_SHARED, FLOOR_ZOOKEEPER -> Contender.FLOOR_ZOOKEEPER;
      default -> null;
    };
  }

  static String markdown(Settings s, List<Measured> measured, Map<Contender, String> failures, Duration took) {
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "# Lock cycles, each thread on a lock of its own, through one client%n%n"
            + "Mode: %s.%n%n"
            + "%d rounds of %.1f s per contender and thread count after %s; the contenders take turns, the order "
            + "rotated each round (%s first in round 1); %d cores, Java %s; %.0f s in all.%n%n",
        s.forks() ? "forked, each (round, contender) in a JVM of its own" : "in-JVM (-Dforks=false), every contender "
            + "in one JVM, its client created and warmed up once",
        s.rounds(), seconds(s.round()), s.forks()
            ? String.format(Locale.ROOT, "%.1f s of warm-up per thread count, right before it, in each child JVM",
                seconds(s.warmup()))
            : String.format(Locale.ROOT, "%.1f s of warm-up per contender, split over its thread counts",
                seconds(s.warmup())),
        s.contenders().get(0), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        seconds(took)));
    md.append("- ops/s: cycles of all threads per second of the run; the median over the rounds, and the range.\n"
        + "- p50, p99: of every cycle's latency (System.nanoTime around acquire and release) in a round; the median "
        + "over the rounds.\n"
        + "- CPU per cycle: the client JVM's CPU time (OperatingSystemMXBean.getProcessCpuTime) per cycle, its JIT "
        + "compiler and garbage collector included" + (s.forks() ? " (the child JVM's)" : " (this JVM's, which holds "
        + "every contender's client)") + ". The servers run in processes of their own (" + servers()
        + "), so none of theirs is in it.\n"
        + "- server CPU per cycle: the server process's CPU time (utime + stime in `/proc/<pid>/stat`, 10 ms "
        + "ticks) per cycle: redis-server for Redis contenders, the ZooKeeper server's JVM for ZooKeeper ones; n/a "
        + "where its pid is not known. The median over the rounds.\n"
        + "- alloc per cycle: approximate, the bytes allocated by the JVM's live threads (ThreadMXBean."
        + "getThreadAllocatedBytes) per cycle; a thread that ended within a round is missed.\n"
        + "- vs floor: against the floor of the same backend (FLOOR_LETTUCE for Lettuce and Redisson, FLOOR_JEDIS for "
        + "Jedis, FLOOR_ZOOKEEPER for ZooKeeper and Curator), the median over the rounds of each round's ratio (the "
        + "two ran back to back).\n\n");
    for (int t : s.threads()) {
      md.append(String.format(Locale.ROOT, "## %d thread%s%n%n", t, t == 1 ? "" : "s"));
      md.append("| contender | ops/s | min-max | vs floor | p50 | p99 | p99 vs floor | CPU per cycle | CPU vs floor "
          + "| alloc per cycle | server CPU per cycle |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Contender c : s.contenders()) {
        md.append(row(c, of(measured, t, c), floorOf(c) == null ? List.of() : of(measured, t, floorOf(c)),
            failures.get(c)));
      }
      md.append('\n');
    }
    md.append("## Rounds\n\nEvery run, in the order they ran.\n\n"
        + "| round | threads | contender | cycles | ops/s | p50 | p99 | CPU per cycle | alloc per cycle "
        + "| server CPU per cycle |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Measured m : measured) {
      CycleRun.Result r = m.result();
      md.append(String.format(Locale.ROOT, "| %d | %d | %s | %,d | %,.0f | %s | %s | %s | %s | %s |%n", m.round(),
          m.threads(), m.contender(), r.cycles(), r.opsPerSecond(), micros(r.p50Nanos()), micros(r.p99Nanos()),
          micros(r.cpuNanosPerCycle()), bytes(r.allocBytesPerCycle()), micros(r.serverCpuNanosPerCycle())));
    }
    if (!failures.isEmpty()) {
      md.append("\n## Failed\n\n");
      failures.forEach((c, why) -> md.append("- ").append(c).append(": ").append(why).append('\n'));
    }
    return md.toString();
  }

  private static String row(Contender c, List<Measured> mine, List<Measured> floor, @Nullable String failure) {
    if (failure != null || mine.isEmpty()) {
      return String.format(Locale.ROOT, "| %s | failed |  |  |  |  |  |  |  |  |  |%n", c);
    }
    List<Double> rates = values(mine, r -> r.opsPerSecond());
    return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f-%,.0f | %s | %s | %s | %s | %s | %s | %s | %s |%n", c,
        median(rates), rates.get(0), rates.get(rates.size() - 1), ratio(mine, floor, r -> r.opsPerSecond()),
        micros(median(values(mine, r -> r.p50Nanos()))), micros(median(values(mine, r -> r.p99Nanos()))),
        ratio(mine, floor, r -> r.p99Nanos()), micros(median(values(mine, r -> r.cpuNanosPerCycle()))),
        ratio(mine, floor, r -> r.cpuNanosPerCycle()), bytes(median(values(mine, r -> r.allocBytesPerCycle()))),
        micros(median(values(mine, r -> r.serverCpuNanosPerCycle()))));
  }

  private static List<Measured> of(List<Measured> measured, int threads, @Nullable Contender c) {
    return measured.stream().filter(m -> m.threads() == threads && m.contender() == c).collect(Collectors.toList());
  }

  /** The figure of each run that has it (not NaN), sorted. */
  private static List<Double> values(List<Measured> runs, ToDoubleFunction<CycleRun.Result> figure) {
    return runs.stream().map(m -> figure.applyAsDouble(m.result())).filter(d -> !d.isNaN()).sorted()
        .collect(Collectors.toList());
  }

  /** The median over the rounds both ran of each round's ratio of {@code mine} to {@code floor}. */
  private static String ratio(List<Measured> mine, List<Measured> floor, ToDoubleFunction<CycleRun.Result> figure) {
    List<Double> ratios = new ArrayList<>();
    for (Measured m : mine) {
      for (Measured f : floor) {
        double below = figure.applyAsDouble(f.result());
        if (f.round() == m.round() && below > 0) {
          ratios.add(figure.applyAsDouble(m.result()) / below);
        }
      }
    }
    ratios.sort(null);
    double r = median(ratios);
    return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static String micros(double nanos) {
    return Double.isNaN(nanos) ? "n/a" : String.format(Locale.ROOT, "%,.1f µs", nanos / 1000);
  }

  private static String bytes(double bytes) {
    return Double.isNaN(bytes) ? "n/a" : String.format(Locale.ROOT, "%,.0f B", bytes);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  /** Where the servers run: both always in processes other than this JVM. */
  private static String servers() {
    String redis = System.getProperty("lockkit.bench.redis");
    String zookeeper = System.getProperty("lockkit.bench.zookeeper");
    return (redis == null || redis.isBlank() ? "redis-server, a child process" : "Redis at " + redis)
        + "; " + (zookeeper == null || zookeeper.isBlank() ? "ZooKeeper, a child JVM" : "ZooKeeper at " + zookeeper);
  }
}
