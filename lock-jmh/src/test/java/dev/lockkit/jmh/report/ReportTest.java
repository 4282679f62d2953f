package dev.lockkit.jmh.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's tables, from made-up scores: no benchmark runs here. */
class ReportTest {
  private static final String ONE16 = "OneLock.threads16 [thrpt] workMicros=0";
  private static final String CROSS = "CrossProcess.threads4 [thrpt]";

  @TempDir
  Path dir;

  private static List<Report.Score> scores() {
    List<Report.Score> scores = new ArrayList<>();
    for (String w : List.of(ONE16, CROSS)) {
      scores.add(new Report.Score(w, "LOCKKIT_REDIS_LETTUCE", 5000, 100, "ops/s"));
      scores.add(new Report.Score(w, "LOCKKIT_REDIS_LETTUCE_SOLO", 1000, 0, "ops/s"));
      scores.add(new Report.Score(w, "REDISSON", 1000, 0, "ops/s"));
      scores.add(new Report.Score(w, "LOCKKIT_ZOOKEEPER", 300, 0, "ops/s"));
      scores.add(new Report.Score(w, "LOCKKIT_ZOOKEEPER_SOLO", 400, 0, "ops/s"));
      scores.add(new Report.Score(w, "CURATOR", 100, 0, "ops/s"));
    }
    scores.add(new Report.Score("DistinctLocks.threads4 [thrpt] workMicros=0", "REDISSON", 2000, 0, "ops/s"));
    return scores;
  }

  @Test
  void cohortingTableSetsLockkitAgainstPeersAndAgainstItselfWithCohortingOff() {
    String md = Report.cohorting(scores());

    assertThat(md).contains("| " + ONE16 + " | 5.00x ✓ | 3.00x ✗ | 5.00x | 0.75x | 1.00x | 4.00x |")
        .contains("| " + CROSS + " | 5.00x | 3.00x | 5.00x ✓ | 0.75x ✗ | 1.00x | 4.00x |")
        .doesNotContain("DistinctLocks");
  }

  @Test
  void mainTableSetsLockkitAndCuratorAgainstTheZooKeeperFloor() {
    String one = "OneLock.thread1 [thrpt] workMicros=0";
    String md = Report.table(List.of(
        new Report.Score(one, "LOCKKIT_ZOOKEEPER", 1800, 0, "ops/s"),
        new Report.Score(one, "CURATOR", 1500, 0, "ops/s"),
        new Report.Score(one, "FLOOR_ZOOKEEPER", 2000, 0, "ops/s")));

    assertThat(md).contains("| lockkit ZK / Curator | lockkit ZK / ZK floor | Curator / ZK floor |")
        .contains("| " + one + " | ops/s | 1,800 | 1,500 | 2,000 |  |  | 1.20x | 0.90x | 0.75x |");
  }

  @Test
  void sampleModeAddsTheP50P99AndP999OfEachContender() throws Exception {
    Path json = dir.resolve("jmh-result.json");
    Files.writeString(json, "[" + sample("LOCKKIT_REDIS_LETTUCE", 0.2, 0.15, 0.9, 4.0) + ","
        + sample("REDISSON", 0.6, 0.45, 2.7, 8.0) + "]");

    String md = Report.table(Report.read(json));

    String w = "OneLock.threads16 [sample%s] workMicros=0 | ms/op |";
    assertThat(md).contains(String.format(w, "") + " 0.200 | 0.600 |  | 3.00x |")
        .contains(String.format(w, " p50") + " 0.150 | 0.450 |  | 3.00x |")
        .contains(String.format(w, " p99") + " 0.900 | 2.70 |  | 3.00x |")
        .contains(String.format(w, " p99.9") + " 4.00 | 8.00 |  | 2.00x |");
  }

  private static String sample(String contender, double mean, double p50, double p99, double p999) {
    return "{\"benchmark\": \"dev.lockkit.jmh.OneLockBenchmark.threads16\", \"mode\": \"sample\", "
        + "\"params\": {\"contender\": \"" + contender + "\", \"workMicros\": \"0\"}, "
        + "\"primaryMetric\": {\"score\": " + mean + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"ms/op\", "
        + "\"scorePercentiles\": {\"0.0\": 0.01, \"50.0\": " + p50 + ", \"90.0\": 0.5, \"99.0\": " + p99
        + ", \"99.9\": " + p999 + ", \"100.0\": 9.0}}}";
  }

  @Test
  void chartScalesEachWorkloadToItsServedContendersAndMarksTheInMemoryOneOffScale() {
    String one = "OneLock.thread1 [thrpt] workMicros=0";
    String svg = Chart.svg(List.of(
        new Report.Score(one, "LOCKKIT_REDIS_LETTUCE", 5000, 0, "ops/s"),
        new Report.Score(one, "REDISSON", 2500, 0, "ops/s"),
        new Report.Score(one, "LOCKKIT_MEMORY", 900_000, 0, "ops/s")));

    // the widest served bar spans the plot (550 px), the peer at half its score half of it
    assertThat(svg).contains("width=\"550\" height=\"10\" fill=\"#1f77b4\"/><text x=\"884\" y=\"")
        .containsPattern("width=\"275\" height=\"10\" fill=\"#[0-9a-f]+\"/><text x=\"609\" y=\"[0-9]+\">2,500<")
        .contains(">900,000 (off scale)<");
  }

  @Test
  void crossProcessTableShowsBothSidesFromTheLastLineOfEachContender() throws Exception {
    Path file = dir.resolve("cross-process.txt");
    Files.write(file, List.of(
        "LOCKKIT_REDIS_LETTUCE CrossProcess.threads4 here: threads=4 acquisitions=1 maxWaitMs=1.000 "
            + "rival: threads=2 acquisitions=1 maxWaitMs=1.000",
        "LOCKKIT_REDIS_LETTUCE CrossProcess.threads4 here: threads=4 acquisitions=600 maxWaitMs=12.500 "
            + "rival: threads=2 acquisitions=400 maxWaitMs=40.250",
        "REDISSON CrossProcess.threads4 here: threads=4 acquisitions=10 maxWaitMs=3.000 "
            + "rival: no stats (rival failed, see /tmp/x/rival.log)",
        "CURATOR rival: acquisitions=7 maxWaitMs=9"));

    Map<String, CrossProcessStats.Trial> trials = CrossProcessStats.read(file);
    String md = Report.crossProcess(scores(), trials);

    assertThat(md)
        .contains("| " + CROSS + " | LOCKKIT_REDIS_LETTUCE | 5,000 ± 100 ops/s | 600 | 12.5 ms | 400 | 40% (33%) "
            + "| 40.3 ms |")
        .contains("| " + CROSS + " | REDISSON | 1,000 ops/s | 10 | 3.00 ms | no stats |  | no stats |")
        .contains("| " + CROSS + " | CURATOR | 100 ops/s | no stats | no stats | 7 |  | 9.00 ms |")
        .contains("| " + CROSS + " | LOCKKIT_ZOOKEEPER | 300 ops/s |  |  |  |  |  |")
        .doesNotContain(ONE16);
  }

  @Test
  void withoutCrossProcessFileTheOtherTablesStillCome() throws Exception {
    Map<String, CrossProcessStats.Trial> none = CrossProcessStats.read(dir.resolve("absent.txt"));
    String md = Report.markdown(scores(), none);

    assertThat(none).isEmpty();
    assertThat(md).contains("| workload | unit |").contains("lockkit Lettuce on / off").contains("rival share");
  }
}
