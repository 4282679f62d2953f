package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.probes.PairProbe.Block;
import dev.lockkit.jmh.probes.PairProbe.Measured;
import dev.lockkit.jmh.probes.PairProbe.Settings;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/** {@link PairProbe}'s Markdown: a row per contender against the reference, then every round's block rates. */
final class PairTable {
  private PairTable() {}

  static String markdown(Settings s, Measured m, Duration took) {
    List<Contender> contenders = s.contenders();
    Contender reference = contenders.get(0);
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
        "# %s: contenders interleaved in blocks%n%n"
            + "%s; Java %s (%s), %d cores. %d rounds; in each, every contender runs one block of %d ms (it ends at "
            + "the first cycle end past that), the order rotated each round (%s first in round 1); before them, "
            + "%.1f s of unmeasured warm-up, the contenders alternating in blocks alike. Every client in this JVM, "
            + "%s. Reference: %s. %.0f s in all.%n%n",
        s.shape(),
        ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
        Runtime.version(), System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors(), s.rounds(),
        s.block().toMillis(), reference, s.warmup().toNanos() / 1e9,
        s.threads() == 1 ? "each contender on a lock of its own, one measuring thread"
            : s.oneLock() ? "each contender's block run by " + s.threads() + " threads at once, all on one lock (the "
                + "contender's own, the same in every block)"
            : "each contender's block run by " + s.threads() + " threads at once, each on a lock of its own (the "
                + "contender's own locks, the same in every block)",
        reference, took.toNanos() / 1e9));
    md.append("- ops/s: the contender's cycles over its measured time (the sum of its blocks).\n"
        + "- vs " + reference + ": the median over the rounds of each round's ratio (this contender's block rate / "
        + "the reference's in the same round); p10-p90: the 10th to 90th percentile of those ratios; pooled: ops/s "
        + "over the reference's ops/s.\n"
        + "- p50, p99: of every measured cycle's latency (System.nanoTime around acquire and release), pooled.\n"
        + "- client CPU per cycle: this JVM's CPU time (OperatingSystemMXBean.getProcessCpuTime) over the "
        + "contender's blocks per cycle: every client's idle threads, the JIT and the GC included.\n"
        + "- server CPU per cycle: the server process's CPU time (utime + stime in `/proc/<pid>/stat`, 10 ms ticks) "
        + "over the contender's blocks per cycle; n/a where its pid is not known.\n\n");
    md.append("| contender | cycles | ops/s | vs " + reference + " | p10-p90 | pooled | p50 | p99 "
        + "| client CPU per cycle | server CPU per cycle |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<Integer, Double> referenceRates = rates(m.blocks(), reference);
    double referenceOps = opsPerSecond(of(m.blocks(), reference));
    for (Contender c : contenders) {
      List<Block> mine = of(m.blocks(), c);
      double[] ratios = mine.stream().filter(b -> referenceRates.containsKey(b.round()))
          .mapToDouble(b -> b.opsPerSecond() / referenceRates.get(b.round())).sorted().toArray();
      long cycles = mine.stream().mapToLong(Block::cycles).sum();
      double ops = opsPerSecond(mine);
      Percentiles latency = new Percentiles(m.latencies().get(c));
      md.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %.2fx | %.2f-%.2fx | %.2fx | %s | %s | %s | %s |%n",
          c, cycles, ops, quantile(ratios, 0.5), quantile(ratios, 0.1), quantile(ratios, 0.9), ops / referenceOps,
          CycleTable.micros(latency.at(50)), CycleTable.micros(latency.at(99)),
          CycleTable.micros(perCycle(mine, Block::clientCpuNanos, cycles)),
          CycleTable.micros(perCycle(mine, Block::serverCpuNanos, cycles))));
    }
    md.append("\n## Rounds\n\nEvery round's block rates, ops/s.\n\n| round | first |");
    for (Contender c : contenders) {
      md.append(' ').append(c).append(" |");
    }
    md.append("\n|---:|---|").append("---:|".repeat(contenders.size())).append('\n');
    Map<Integer, List<Block>> byRound = m.blocks().stream().collect(Collectors.groupingBy(Block::round));
    for (int round = 1; round <= s.rounds(); round++) {
      List<Block> blocks = byRound.getOrDefault(round, List.of());
      md.append("| ").append(round).append(" | ").append(blocks.isEmpty() ? "" : blocks.get(0).contender())
          .append(" |");
      for (Contender c : contenders) {
        Double rate = rates(blocks, c).get(round);
        md.append(rate == null ? "  |" : String.format(Locale.ROOT, " %,.0f |", rate));
      }
      md.append('\n');
    }
    return md.toString();
  }

  /**
   * The {@code q} quantile of sorted {@code values}, interpolated linearly between the two nearest (so the median of
   * an even count is the mean of the middle two); NaN if there are none.
   */
  static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double at = q * (sorted.length - 1);
    int below = (int) Math.floor(at);
    int above = Math.min(below + 1, sorted.length - 1);
    return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
  }

  private static List<Block> of(List<Block> blocks, Contender c) {
    return blocks.stream().filter(b -> b.contender() == c).collect(Collectors.toList());
  }

  /** The block rate of {@code c} by round. */
  private static Map<Integer, Double> rates(List<Block> blocks, Contender c) {
    Map<Integer, Double> out = new HashMap<>();
    for (Block b : of(blocks, c)) {
      out.put(b.round(), b.opsPerSecond());
    }
    return out;
  }

  private static double opsPerSecond(List<Block> blocks) {
    long elapsed = blocks.stream().mapToLong(Block::elapsedNanos).sum();
    return elapsed == 0 ? Double.NaN : blocks.stream().mapToLong(Block::cycles).sum() * 1e9 / elapsed;
  }

  /** The sum of a figure over the blocks per cycle; NaN if a block does not know it (-1) or there are no cycles. */
  private static double perCycle(List<Block> blocks, ToLongFunction<Block> figure, long cycles) {
    long[] values = blocks.stream().mapToLong(figure).toArray();
    return cycles == 0 || Arrays.stream(values).anyMatch(v -> v < 0) ? Double.NaN
        : Arrays.stream(values).sum() / (double) cycles;
  }
}
