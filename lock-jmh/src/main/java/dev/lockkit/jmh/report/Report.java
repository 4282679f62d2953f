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
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns JMH's JSON result file into a Markdown table (ops/s per contender per workload, with ratios of
 * lockkit against the Redis floor and against its peers) and an SVG bar chart of the same numbers.
 */
public final class Report {
  private Report() {}

  /** One measured score. */
  record Score(String workload, String contender, double score, double error, String unit) {}

  /**
   * Writes the table and the chart.
   *
   * @param args JMH JSON file, Markdown output, SVG output
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: Report <jmh-result.json> <out.md> <out.svg>");
    }
    List<Score> scores = read(Path.of(args[0]));
    Files.writeString(Path.of(args[1]), markdown(scores));
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
      scores.add(new Score(workload.toString(), contender, score, error, (String) metric.get("scoreUnit")));
    }
    return scores;
  }

  static String markdown(List<Score> scores) {
    Set<String> contenders = new LinkedHashSet<>();
    Map<String, Map<String, Score>> byWorkload = new LinkedHashMap<>();
    for (Score s : scores) {
      contenders.add(s.contender());
      byWorkload.computeIfAbsent(s.workload(), w -> new LinkedHashMap<>()).put(s.contender(), s);
    }
    StringBuilder md = new StringBuilder("| workload | unit |");
    contenders.forEach(c -> md.append(' ').append(c).append(" |"));
    md.append(" lockkit Lettuce / floor | lockkit Lettuce / Redisson | lockkit ZK / Curator |\n|---|---|");
    contenders.forEach(c -> md.append("---:|"));
    md.append("---:|---:|---:|\n");
    byWorkload.forEach((workload, row) -> {
      String unit = row.values().iterator().next().unit();
      md.append("| ").append(workload).append(" | ").append(unit).append(" |");
      for (String c : contenders) {
        Score s = row.get(c);
        String cell = s == null ? "" : s.error() > 0 ? format(s.score()) + " ± " + format(s.error()) : format(s.score());
        md.append(' ').append(cell).append(" |");
      }
      md.append(' ').append(ratio(row, "LOCKKIT_REDIS_LETTUCE", "FLOOR_LETTUCE")).append(" |")
          .append(' ').append(ratio(row, "LOCKKIT_REDIS_LETTUCE", "REDISSON")).append(" |")
          .append(' ').append(ratio(row, "LOCKKIT_ZOOKEEPER", "CURATOR")).append(" |\n");
    });
    return md.toString();
  }

  private static String ratio(Map<String, Score> row, String ours, String theirs) {
    Score a = row.get(ours);
    Score b = row.get(theirs);
    if (a == null || b == null || b.score() == 0) {
      return "";
    }
    // for times (sample mode) lower is better: report how many times faster, like for throughput
    boolean time = a.unit().contains("/op");
    double r = time ? b.score() / a.score() : a.score() / b.score();
    return String.format(Locale.ROOT, "%.2fx", r);
  }

  static String format(double v) {
    if (v >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
