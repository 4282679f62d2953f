package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fairness across processes: {@value #PROCESSES} JVMs ({@link FairnessWorker}) with
 * {@value FairnessWorker#THREADS} threads each take one lock, each thread in a loop of a timed acquire (bound
 * {@link #MAX_WAIT}), {@code workMillis} of sleep while holding, the release; no fault. Does every process get
 * its turns? Targets: no timed acquire gives up; each process's share of the acquisitions is within
 * {@value #SHARE_LOW}-{@value #SHARE_HIGH} times its share of the threads; no thread waits longer than half the
 * bound. A lock that hands itself on within the releasing process (cohorting) while the other processes wait
 * for a notification starves them; a queue lock alternates.
 *
 * <p>The probe starts the servers (or uses those the {@code lockkit.bench.*} properties name, see
 * {@link Servers}) and, per contender, the three worker JVMs (java from {@code java.home}, this class path,
 * {@code -Xmx256m}), pointed at the same server; all start counting together once all are warm, and stop
 * together after {@code seconds}. Workers that overrun are killed; temporary files are removed.
 *
 * <p>Run it from the repository root (the class path as {@code lock-jmh/bench} builds it):
 *
 * <pre>
 * ./mvnw -B -q install -DskipTests
 * ./mvnw -B -q -pl lock-jmh dependency:build-classpath -Dmdep.includeScope=runtime \
 *     -Dmdep.outputFile="$PWD/lock-jmh/target/bench/classpath.txt"
 * java -Dseconds=45 -DworkMillis=3 -cp "lock-jmh/target/classes:$(cat lock-jmh/target/bench/classpath.txt)" \
 *     dev.lockkit.jmh.probes.FairnessProbe LOCKKIT_REDIS_LETTUCE,REDISSON lock-jmh/target/bench/fairness.md
 * </pre>
 *
 * <p>Arguments (both optional): a comma-separated list of {@link Contender}s (default
 * {@code LOCKKIT_REDIS_LETTUCE,LOCKKIT_REDIS_JEDIS,LOCKKIT_ZOOKEEPER,REDISSON}; not {@code LOCKKIT_MEMORY}, which
 * has no server to share), the Markdown file to write (default {@code target/bench/fairness.md}). System
 * properties: {@code seconds} (counting time per contender, default 45), {@code workMillis} (hold, default 3),
 * and {@value Contender#MAX_LOCAL_HANDOFFS}, passed on to the workers.
 */
public final class FairnessProbe {
  /** Worker JVMs per contender. */
  static final int PROCESSES = 3;
  /** The bound of every timed acquire. */
  static final Duration MAX_WAIT = Duration.ofSeconds(2);
  /** Lowest share of the acquisitions against the share of the threads that meets the target. */
  static final double SHARE_LOW = 0.7;
  /** Highest share of the acquisitions against the share of the threads that meets the target. */
  static final double SHARE_HIGH = 1.3;

  private static final Logger log = LoggerFactory.getLogger(FairnessProbe.class);
  private static final int READY_SECONDS = 120;
  /** After the stop file: a timed acquire under way, a hold and closing the client. */
  private static final int STOP_SECONDS = 60;
  private static final int LOG_LINES = 15;

  private FairnessProbe() {}

  /**
   * What one contender's run gave.
   *
   * @param contender the lock measured
   * @param processes what each worker process saw, in order
   */
  record Result(Contender contender, List<FairnessWorker.Stats> processes) {
    long acquisitions() {
      return processes.stream().mapToLong(FairnessWorker.Stats::acquisitions).sum();
    }

    long timeouts() {
      return processes.stream().mapToLong(FairnessWorker.Stats::timeouts).sum();
    }

    long maxWaitNanos() {
      return processes.stream().mapToLong(FairnessWorker.Stats::maxWaitNanos).max().orElse(0);
    }

    /** Per process: its share of the acquisitions over its share of the threads (all equal: 1 / processes). */
    List<Double> shareRatios() {
      long total = acquisitions();
      return processes.stream()
          .map(s -> total == 0 ? 0.0 : (double) s.acquisitions() / total * processes.size())
          .collect(Collectors.toList());
    }

    /** The workers' errors, one line each, naming the process; empty if none failed. */
    List<String> errors() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < processes.size(); i++) {
        if (!processes.get(i).errors().isEmpty()) {
          out.add("process " + (char) ('a' + i) + ": " + processes.get(i).errors());
        }
      }
      return out;
    }

    /** The targets missed, named; empty if all were met. */
    List<String> failedTargets() {
      List<String> failed = new ArrayList<>();
      if (acquisitions() == 0) {
        failed.add("no acquisitions");
      }
      if (timeouts() > 0) {
        failed.add("timeouts");
      }
      if (shareRatios().stream().anyMatch(r -> r < SHARE_LOW || r > SHARE_HIGH)) {
        failed.add("share");
      }
      if (maxWaitNanos() > MAX_WAIT.toNanos() / 2) {
        failed.add("longest wait");
      }
      if (!errors().isEmpty()) {
        failed.add("errors");
      }
      return failed;
    }

    String row() {
      List<Double> ratios = shareRatios();
      List<String> failed = failedTargets();
      return String.format(Locale.ROOT, "| %s | %d | %s | %.2f-%.2f | %d | %.1f | %s |%n", contender,
          acquisitions(),
          processes.stream().map(s -> Long.toString(s.acquisitions())).collect(Collectors.joining(" / ")),
          ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
          ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0), timeouts(), maxWaitNanos() / 1e6,
          failed.isEmpty() ? "yes" : "no: " + String.join(", ", failed));
    }
  }

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if the output cannot be written
   */
  public static void main(String[] args) throws Exception {
    List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null, List.of(
        Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_JEDIS, Contender.LOCKKIT_ZOOKEEPER,
        Contender.REDISSON));
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/fairness.md");
    Duration counting = Duration.ofSeconds(Long.getLong("seconds", 45));
    long workMillis = Long.getLong("workMillis", 3);
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%d processes x %d threads on one lock, timed acquire %d ms, hold %d ms, "
            + "%d s counted; targets: 0 timeouts, share/thread-share %.1f-%.1f, longest wait <= %d ms%n%n",
        PROCESSES, FairnessWorker.THREADS, MAX_WAIT.toMillis(), workMillis, counting.toSeconds(), SHARE_LOW,
        SHARE_HIGH, MAX_WAIT.toMillis() / 2));
    md.append("| contender | acquisitions | per process (a / b / c) | share/thread-share (min-max) | timeouts "
        + "| longest wait (ms) | targets met |\n|---|---:|---:|---:|---:|---:|---|\n");
    List<String> notes = new ArrayList<>();
    try {
      for (Contender c : contenders) {
        try {
          Result r = run(c, counting, workMillis);
          md.append(r.row());
          r.errors().forEach(e -> notes.add(c + " " + e));
        } catch (Exception e) {
          log.error("{}: the run failed", c, e);
          md.append("| ").append(c).append(" | run failed | | | | | no: run failed |\n");
          notes.add(c + ": " + e);
        }
      }
    } finally {
      Servers.stopAll();
    }
    if (!notes.isEmpty()) {
      md.append('\n');
      notes.forEach(n -> md.append("- ").append(n.replace('\n', ' ')).append('\n'));
    }
    Probes.write(out, md.toString());
    log.info("Fairness table written to {}:\n{}", out.toAbsolutePath(), md);
  }

  /**
   * One contender's run: starts its server if needed, the worker JVMs, lets them count for {@code counting},
   * and reads what each saw. A worker that fails or overruns shows in its stats' errors.
   *
   * @param contender the lock; its server is started here unless a system property names one
   * @param counting how long the workers count
   * @param workMillis how long each holds the lock
   * @return what each process saw
   * @throws Exception if the workers could not be started or did not all get ready in time
   */
  static Result run(Contender contender, Duration counting, long workMillis) throws Exception {
    String server = serverProperty(contender);
    Path dir = Files.createTempDirectory("lockkit-fairness");
    List<Process> workers = new ArrayList<>();
    try {
      String name = "probe/fairness-" + UUID.randomUUID();
      for (int i = 0; i < PROCESSES; i++) {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", server,
            "-cp", System.getProperty("java.class.path")));
        String bound = System.getProperty(Contender.MAX_LOCAL_HANDOFFS);
        if (bound != null) {
          command.add("-D" + Contender.MAX_LOCAL_HANDOFFS + "=" + bound); // every process cohorts the same way
        }
        command.addAll(List.of(FairnessWorker.class.getName(), contender.name(), name, dir.toString(),
            Integer.toString(i), Long.toString(counting.toSeconds()), Long.toString(workMillis),
            Long.toString(MAX_WAIT.toMillis())));
        workers.add(new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(logFile(dir, i).toFile()).start());
      }
      awaitReady(workers, dir);
      Files.createFile(goFile(dir));
      long end = System.nanoTime() + counting.toNanos();
      // a worker that ends early has failed: no point waiting for the others' full time
      while (System.nanoTime() - end < 0 && workers.stream().allMatch(Process::isAlive)) {
        workers.get(0).waitFor(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))),
            TimeUnit.MILLISECONDS);
      }
      Files.createFile(stopFile(dir));
      long stopBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_SECONDS);
      List<FairnessWorker.Stats> stats = new ArrayList<>();
      for (int i = 0; i < PROCESSES; i++) {
        Process w = workers.get(i);
        String overran = "";
        if (!w.waitFor(Math.max(1, TimeUnit.NANOSECONDS.toMillis(stopBy - System.nanoTime())),
            TimeUnit.MILLISECONDS)) {
          w.destroyForcibly();
          overran = "did not exit within " + STOP_SECONDS + " s of the stop, killed; ";
        }
        stats.add(statsOf(dir, i, w, overran));
      }
      Result r = new Result(contender, stats);
      log.info("{}", r.row().strip());
      return r;
    } finally {
      for (Process w : workers) {
        if (w.isAlive()) {
          w.destroyForcibly();
          w.waitFor(10, TimeUnit.SECONDS);
        }
      }
      delete(dir);
    }
  }

  /** What worker {@code i} wrote, with what went wrong around it; zero counts and the log's tail if nothing. */
  private static FairnessWorker.Stats statsOf(Path dir, int i, Process w, String overran) throws IOException {
    Path file = statsFile(dir, i);
    String exit = w.isAlive() ? "" : w.exitValue() == 0 ? "" : "exit status " + w.exitValue() + "; ";
    if (!Files.exists(file)) {
      return new FairnessWorker.Stats(0, 0, 0, overran + exit + "no stats; log: " + logTail(dir, i));
    }
    FairnessWorker.Stats s = FairnessWorker.Stats.read(file);
    String errors = (overran + exit + s.errors()).strip();
    if (!errors.isEmpty() && s.errors().isEmpty()) {
      errors += " log: " + logTail(dir, i);
    }
    return new FairnessWorker.Stats(s.acquisitions(), s.timeouts(), s.maxWaitNanos(), errors);
  }

  private static void awaitReady(List<Process> workers, Path dir) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    for (int i = 0; i < workers.size(); i++) {
      while (!Files.exists(readyFile(dir, i))) {
        Process w = workers.get(i);
        if (!w.isAlive() || System.nanoTime() - deadline > 0) {
          String why = w.isAlive() ? "was not ready within " + READY_SECONDS + " s" : "exited with " + w.exitValue();
          throw new IllegalStateException("fairness worker " + i + " " + why + "; its log: " + logTail(dir, i));
        }
        w.waitFor(20, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** The system property that points a worker at the contender's server, starting it here if needed. */
  private static String serverProperty(Contender contender) {
    return switch (contender) {
      case LOCKKIT_REDIS_LETTUCE, LOCKKIT_REDIS_LETTUCE_SOLO, LOCKKIT_REDIS_JEDIS, REDISSON, FLOOR_LETTUCE,
          FLOOR_JEDIS -> "-Dlockkit.bench.redis=" + Servers.redisUri();
      case LOCKKIT_ZOOKEEPER, LOCKKIT_ZOOKEEPER_SOLO, CURATOR, CURATOR_SHARED, FLOOR_ZOOKEEPER ->
          "-Dlockkit.bench.zookeeper=" + Servers.zookeeperConnect();
      case LOCKKIT_MEMORY -> throw new IllegalArgumentException(
          "contender LOCKKIT_MEMORY has no server that processes could share; allowed: any other Contender");
    };
  }

  private static String logTail(Path dir, int i) throws IOException {
    Path file = logFile(dir, i);
    if (!Files.exists(file)) {
      return "(no log)";
    }
    // lenient about the bytes: a crashing JVM may leave anything
    List<String> lines = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
    return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
  }

  static Path goFile(Path dir) {
    return dir.resolve("go");
  }

  static Path stopFile(Path dir) {
    return dir.resolve("stop");
  }

  static Path readyFile(Path dir, int worker) {
    return dir.resolve("ready-" + worker);
  }

  static Path statsFile(Path dir, int worker) {
    return dir.resolve("stats-" + worker);
  }

  private static Path logFile(Path dir, int worker) {
    return dir.resolve("worker-" + worker + ".log");
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }
}
