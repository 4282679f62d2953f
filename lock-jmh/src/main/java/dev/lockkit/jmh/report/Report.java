package dev.lockkit.jmh.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns JMH's JSON result file into Markdown and an SVG bar chart. The Markdown has a table of ops/s per
 * contender per workload, with ratios of lockkit against the Redis floor and against its peers; a cohorting
 * table (lockkit with cohorting on against its peers and against itself with cohorting off, {@code _SOLO});
 * and, where the cross-process workload ran, what each process got: its acquisitions and the longest wait
 * of any of its threads, from {@code cross-process.txt}.
 */
public final class Report {
  private Report() {}

  /** One measured score. */
  record Score(String workload, String contender, double score, double error, String unit) {}

  /** Target ratios of the cohorting issue: at 16 threads against the peers, across processes against solo. */
  static final double PEER_TARGET = 4;

  /**
   * Writes the tables and the chart.
   *
   * @param args JMH JSON file, Markdown output, SVG output, and optionally the cross-process file (default:
   *     {@code cross-process.txt} beside the JSON file; a missing file leaves those columns empty)
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 3 && args.length != 4) {
      throw new IllegalArgumentException("usage: Report <jmh-result.json> <out.md> <out.svg> [cross-process.txt]");
    }
    Path json = Path.of(args[0]).toAbsolutePath();
    Path cross = args.length == 4 ? Path.of(args[3]) : json.resolveSibling("cross-process.txt");
    List<Score> scores = read(json);
    Files.writeString(Path.of(args[1]), markdown(scores, CrossProcessStats.read(cross)));
    Files.writeString(Path.of(args[2]), Chart.svg(scores));
  }

  @SuppressWarnings("unchecked")
  static List<Score> read(Path json) throws IOException {
    List<Score> scores = new ArrayList<>();
    for (Object o : (List<Object>) Json.parse(Files.readString(json))) {
      Map<String, Object> run = (Map<String, Object>) o;
      String benchmark = (String) run.get("benchmark");
      String method = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1)
          .replace("Benchmark.", ".");
      Map<String, Object> params = (Map<String, Object>) run.getOrDefault("params", Map.of());
      String contender = String.valueOf(params.getOrDefault("contender", "?"));
      StringBuilder workload = new StringBuilder(method).append(" [").append(run.get("mode")).append(']');
      new TreeMap<>(params).forEach((k, v) -> {
        if (!k.equals("contender")) {
          workload.append(' ').append(k).append('=').append(v);
        }
      });
      Map<String, Object> metric = (Map<String, Object>) run.get("primaryMetric");
      double score = ((Number) metric.get("score")).doubleValue();
      Object err = metric.get("scoreError");
      double error = err instanceof Number n && !Double.isNaN(n.doubleValue()) ? n.doubleValue() : 0;
      String unit = (String) metric.get("scoreUnit");
      scores.add(new Score(workload.toString(), contender, score, error, unit));
      // sample mode: the percentiles of one operation's time, each a workload of its own (mean above)
      Object percentiles = metric.get("scorePercentiles");
      if ("sample".equals(run.get("mode")) && percentiles instanceof Map<?, ?> at) {
        for (String p : List.of("50.0", "99.0", "99.9")) {
          if (at.get(p) instanceof Number n) {
            String label = "p" + (p.endsWith(".0") ? p.substring(0, p.length() - 2) : p);
            scores.add(new Score(workload.toString().replace("[sample]", "[sample " + label + "]"), contender,
                n.doubleValue(), 0, unit));
          }
        }
      }
    }
    return scores;
  }

  static String markdown(List<Score> scores, Map<String, CrossProcessStats.Trial> crossProcess) {
    StringBuilder md = new StringBuilder(table(scores));
    String cohorting = cohorting(scores);
    if (!cohorting.isEmpty()) {
      md.append("\n").append(cohorting);
    }
    String cross = crossProcess(scores, crossProcess);
    if (!cross.isEmpty()) {
      md.append("\n").append(cross);
    }
    return md.toString();
  }

  static String table(List<Score> scores) {
    Set<String> contenders = new LinkedHashSet<>();
    scores.forEach(s -> contenders.add(s.contender()));
    Map<String, Map<String, Score>> byWorkload = byWorkload(scores);
    StringBuilder md = new StringBuilder("| workload | unit |");
    contenders.forEach(c -> md.append(' ').append(c).append(" |"));
    md.append(" lockkit Lettuce / floor | lockkit Lettuce / Redisson | lockkit ZK / Curator | lockkit ZK / ZK floor"
        + " | Curator / ZK floor |\n|---|---|");
    contenders.forEach(c -> md.append("---:|"));
    md.append("---:|---:|---:|---:|---:|\n");
    byWorkload.forEach((workload, row) -> {
      String unit = row.values().iterator().next().unit();
      md.append("| ").append(workload).append(" | ").append(unit).append(" |");
      for (String c : contenders) {
        Score s = row.get(c);
        md.append(' ').append(s == null ? "" : cell(s)).append(" |");
      }
      md.append(' ').append(ratio(row, "LOCKKIT_REDIS_LETTUCE", "FLOOR_LETTUCE")).append(" |")
          .append(' ').append(ratio(row, "LOCKKIT_REDIS_LETTUCE", "REDISSON")).append(" |")
          .append(' ').append(ratio(row, "LOCKKIT_ZOOKEEPER", "CURATOR")).append(" |")
          .append(' ').append(ratio(row, "LOCKKIT_ZOOKEEPER", "FLOOR_ZOOKEEPER")).append(" |")
          .append(' ').append(ratio(row, "CURATOR", "FLOOR_ZOOKEEPER")).append(" |\n");
    });
    return md.toString();
  }

  /**
   * Cohorting at a glance: for the one-lock and cross-process workloads, lockkit with cohorting on against
   * Redisson and Curator, and against itself with cohorting off. Empty if none of those workloads ran.
   */
  static String cohorting(List<Score> scores) {
    Map<String, Map<String, Score>> byWorkload = byWorkload(scores);
    StringBuilder rows = new StringBuilder();
    byWorkload.forEach((workload, row) -> {
      boolean oneLock = workload.startsWith("OneLock.");
      boolean cross = workload.startsWith("CrossProcess.");
      if (!oneLock && !cross) {
        return;
      }
      // the targets: 4x the peer with 16 threads in one JVM; across processes no worse than solo
      double peerTarget = workload.startsWith("OneLock.threads16 ") ? PEER_TARGET : 0;
      double soloTarget = cross ? 1 : 0;
      rows.append("| ").append(workload)
          .append(" | ").append(ratio(row, "LOCKKIT_REDIS_LETTUCE", "REDISSON", peerTarget))
          .append(" | ").append(ratio(row, "LOCKKIT_ZOOKEEPER", "CURATOR", peerTarget))
          .append(" | ").append(ratio(row, "LOCKKIT_REDIS_LETTUCE", "LOCKKIT_REDIS_LETTUCE_SOLO", soloTarget))
          .append(" | ").append(ratio(row, "LOCKKIT_ZOOKEEPER", "LOCKKIT_ZOOKEEPER_SOLO", soloTarget))
          .append(" | ").append(ratio(row, "LOCKKIT_REDIS_LETTUCE_SOLO", "REDISSON", 0))
          .append(" | ").append(ratio(row, "LOCKKIT_ZOOKEEPER_SOLO", "CURATOR", 0))
          .append(" |\n");
    });
    if (rows.length() == 0) {
      return "";
    }
    return "Cohorting: lockkit with cohorting on (its default) against its peers and against itself with "
        + "cohorting off (`_SOLO`). Targets, marked on point estimates: with 16 threads on one lock >= "
        + String.format(Locale.ROOT, "%.0fx", PEER_TARGET) + " the peer; across processes >= 1x solo.\n\n"
        + "| workload | lockkit Lettuce / Redisson | lockkit ZK / Curator | lockkit Lettuce on / off "
        + "| lockkit ZK on / off | lockkit Lettuce off / Redisson | lockkit ZK off / Curator |\n"
        + "|---|---:|---:|---:|---:|---:|---:|\n" + rows;
  }

  /**
   * The cross-process workload, one row per contender: ops/s in the benchmark's JVM, and what each process
   * got over the trial (acquisitions, the rival's share of them, the longest wait of any of its threads).
   * Empty if that workload did not run.
   */
  static String crossProcess(List<Score> scores, Map<String, CrossProcessStats.Trial> trials) {
    StringBuilder rows = new StringBuilder();
    for (Score s : scores) {
      if (!s.workload().startsWith("CrossProcess.")) {
        continue;
      }
      String method = s.workload().substring(0, s.workload().indexOf(' '));
      Optional<CrossProcessStats.Trial> trial = CrossProcessStats.find(trials, s.contender(), method);
      Optional<CrossProcessStats.Side> here = trial.flatMap(CrossProcessStats.Trial::here);
      Optional<CrossProcessStats.Side> rival = trial.flatMap(CrossProcessStats.Trial::rival);
      String share = "";
      if (here.isPresent() && rival.isPresent()) {
        CrossProcessStats.Side h = here.get();
        CrossProcessStats.Side r = rival.get();
        long all = h.acquisitions() + r.acquisitions();
        share = all == 0 ? "" : String.format(Locale.ROOT, "%.0f%%", 100.0 * r.acquisitions() / all);
        if (h.threads() > 0 && r.threads() > 0) {
          share += String.format(Locale.ROOT, " (%.0f%%)", 100.0 * r.threads() / (h.threads() + r.threads()));
        }
      }
      String missing = trial.isEmpty() ? "" : "no stats";
      rows.append("| ").append(s.workload()).append(" | ").append(s.contender())
          .append(" | ").append(cell(s)).append(' ').append(s.unit())
          .append(" | ").append(here.map(h -> String.valueOf(h.acquisitions())).orElse(missing))
          .append(" | ").append(here.map(h -> millis(h.maxWaitMs())).orElse(missing))
          .append(" | ").append(rival.map(r -> String.valueOf(r.acquisitions())).orElse(missing))
          .append(" | ").append(share)
          .append(" | ").append(rival.map(r -> millis(r.maxWaitMs())).orElse(missing))
          .append(" |\n");
    }
    if (rows.length() == 0) {
      return "";
    }
    return "Cross-process: this JVM's threads against the rival JVM's on one lock. Acquisitions and the longest "
        + "wait to acquire of any thread of each process, over the whole trial (warm-up included); the rival's "
        + "share of the acquisitions, in brackets its share of the threads.\n\n"
        + "| workload | contender | here | acquisitions here | longest wait here | rival acquisitions "
        + "| rival share (of threads) | rival's longest wait |\n"
        + "|---|---|---:|---:|---:|---:|---:|---:|\n" + rows;
  }

  private static Map<String, Map<String, Score>> byWorkload(List<Score> scores) {
    Map<String, Map<String, Score>> byWorkload = new LinkedHashMap<>();
    for (Score s : scores) {
      byWorkload.computeIfAbsent(s.workload(), w -> new LinkedHashMap<>()).put(s.contender(), s);
    }
    return byWorkload;
  }

  private static String cell(Score s) {
    return s.error() > 0 ? format(s.score()) + " ± " + format(s.error()) : format(s.score());
  }

  private static String millis(double ms) {
    return format(ms) + " ms";
  }

  private static String ratio(Map<String, Score> row, String ours, String theirs) {
    return ratio(row, ours, theirs, 0);
  }

  /** {@code ours / theirs}, with a mark whether it meets the target if there is one (greater than 0). */
  private static String ratio(Map<String, Score> row, String ours, String theirs, double target) {
    Score a = row.get(ours);
    Score b = row.get(theirs);
    if (a == null || b == null) {
      return "";
    }
    // for times (sample mode) lower is better: report how many times faster, like for throughput
    boolean time = a.unit().contains("/op");
    if ((time ? a : b).score() == 0) {
      return "";
    }
    double r = time ? b.score() / a.score() : a.score() / b.score();
    String mark = target <= 0 ? "" : r >= target ? " ✓" : " ✗";
    return String.format(Locale.ROOT, "%.2fx", r) + mark;
  }

  static String format(double v) {
    if (v >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
