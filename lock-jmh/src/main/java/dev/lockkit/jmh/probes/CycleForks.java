package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.probes.CycleProbe.Settings;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * {@link CycleProbe}'s forked mode, the parent's side: one (round, contender) in a child JVM of its own
 * ({@link CycleChild}), pointed at the servers this JVM started (or those the {@code lockkit.bench.*} properties
 * name), so that every contender meets the same {@code redis-server} and ZooKeeper.
 */
final class CycleForks {
  /** How long past its planned time a child may take before it is killed and reported as failed. */
  static final Duration SLACK = Duration.ofSeconds(60);
  /** The log lines of a failed child quoted in its failure. */
  private static final int LOG_LINES = 15;

  private CycleForks() {}

  /**
   * What one child gave.
   *
   * @param runs its thread counts' results, in the order it ran them (all of them unless it failed)
   * @param failure why it failed (its own message, else its log's last lines); null if it did not
   */
  record Child(List<CycleChild.Reported> runs, @Nullable String failure) {}

  /**
   * Runs {@code c}'s thread counts of round {@code round} in a child JVM and waits for it, at most its planned
   * time (thread counts x (warmup + seconds)) + {@link #SLACK}; a child still running then is killed.
   *
   * @param s the settings
   * @param round the round, for the file names and logs
   * @param c the contender
   * @param dir where the child's report and log go (the caller removes it)
   * @return what the child reported
   * @throws IOException if the child cannot be started
   * @throws InterruptedException if interrupted while waiting (the child is killed)
   */
  static Child run(Settings s, int round, Contender c, Path dir) throws IOException, InterruptedException {
    long serverPid = CycleServerCpu.pidOf(c); // starts the server here, once, for every child
    String label = "round-" + round + "-" + c;
    Path report = dir.resolve(label + ".txt");
    Path logFile = dir.resolve(label + ".log");
    Process p = new ProcessBuilder(command(s, c, report, serverPid, label)).redirectErrorStream(true)
        .redirectOutput(logFile.toFile()).start();
    Duration planned = planned(s);
    String killed = null;
    try {
      if (!p.waitFor(planned.plus(SLACK).toNanos(), TimeUnit.NANOSECONDS)) {
        killed = String.format("round %d: the child JVM did not end within its planned %d s + %d s, killed", round,
            planned.toSeconds(), SLACK.toSeconds());
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    List<CycleChild.Reported> runs = new ArrayList<>();
    String failed = null;
    boolean done = false;
    List<String> lines = Files.exists(report) ? Files.readAllLines(report, StandardCharsets.UTF_8) : List.of();
    for (String line : lines) {
      if (line.startsWith("run ")) {
        runs.add(CycleChild.parse(line));
      } else if (line.startsWith("failed ")) {
        failed = "round " + round + ": " + line.substring("failed ".length());
      } else if (line.equals("done")) {
        done = true;
      }
    }
    if (failed != null && killed == null) {
      return new Child(runs, failed); // the child said why; its log has the stack
    }
    String failure = killed;
    if (failure == null && (!done || p.exitValue() != 0)) {
      failure = "round " + round + ": the child JVM exited with status " + p.exitValue()
          + (done ? "" : " before it reported all thread counts");
    }
    return new Child(runs, failure == null ? null : failure + "; its log ends: " + logTail(logFile));
  }

  /** What a child is planned to take: its warm-ups and measurements, not its JVM's start or its client's. */
  static Duration planned(Settings s) {
    return s.warmup().plus(s.round()).multipliedBy(s.threads().size());
  }

  /**
   * The child's command line: java from {@code java.home}; this JVM's last {@code -Xmx}, else {@code -Xmx1g}; the
   * property naming the contender's server; this JVM's other {@code lockkit.*} and {@code org.slf4j.*} properties
   * (cohorting bounds, logging); this class path.
   */
  static List<String> command(Settings s, Contender c, Path report, long serverPid, String label) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> xmx = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-Xmx")).collect(Collectors.toList());
    command.add(xmx.isEmpty() ? "-Xmx1g" : xmx.get(xmx.size() - 1));
    Contender floor = CycleTable.floorOf(c);
    if (floor == Contender.FLOOR_LETTUCE || floor == Contender.FLOOR_JEDIS) {
      command.add("-Dlockkit.bench.redis=" + Servers.redisUri());
    } else if (floor == Contender.FLOOR_ZOOKEEPER) {
      command.add("-Dlockkit.bench.zookeeper=" + Servers.zookeeperConnect());
    }
    for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
      String key = e.getKey().toString();
      if ((key.startsWith("lockkit.") || key.startsWith("org.slf4j.")) && !key.equals("lockkit.bench.redis")
          && !key.equals("lockkit.bench.zookeeper")) {
        command.add("-D" + key + "=" + e.getValue());
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), CycleChild.class.getName(), c.name(),
        s.threads().stream().map(String::valueOf).collect(Collectors.joining(",")), seconds(s.round()),
        seconds(s.warmup()), report.toString(), Long.toString(serverPid), label));
    return command;
  }

  private static String seconds(Duration d) {
    return Double.toString(d.toNanos() / 1e9);
  }

  private static String logTail(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "(no log)";
    }
    // lenient about the bytes: a crashing JVM may leave anything
    List<String> lines = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
  }

  /** Removes {@code dir} and what the children left in it; best effort. */
  static void delete(Path dir) {
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      // nothing else to do with it
    }
  }
}
