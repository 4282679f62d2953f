package dev.lockkit.jmh;

import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Four threads here and two in a second JVM ({@link Rival}) on the same lock: what no process-local trick
 * can help, and what cohorting must not make worse. Each side counts its acquisitions and the longest wait
 * to acquire of any of its threads, over the whole trial (warm-up included; neither side's first, cold
 * acquisition counts); at the end of the trial one line per contender goes to {@code cross-process.txt}, so
 * that a starved process shows:
 *
 * <pre>
 * LOCKKIT_REDIS_LETTUCE CrossProcess.threads4 here: threads=4 acquisitions=51234 maxWaitMs=3.210 rival: threads=2 ...
 * </pre>
 *
 * <p>The file is {@code target/cross-process.txt} under the working directory unless the system property
 * {@value #STATS_PROPERTY} names another (forked JVMs inherit it). Lines are appended; the report reads the
 * last one per contender.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CrossProcessBenchmark {
  /** The system property naming the file the trial's line goes to. */
  public static final String STATS_PROPERTY = "lockkit.bench.crossProcess";

  /**
   * Which implementation; the in-memory backend has no second process to contend with. The rival uses the
   * same one, so with the same cohorting setting.
   */
  @Param({"LOCKKIT_REDIS_LETTUCE", "LOCKKIT_REDIS_LETTUCE_SOLO", "LOCKKIT_REDIS_JEDIS", "LOCKKIT_ZOOKEEPER",
      "LOCKKIT_ZOOKEEPER_SOLO", "REDISSON", "CURATOR", "FLOOR_LETTUCE", "FLOOR_JEDIS",
      "FLOOR_ZOOKEEPER"})
  public Contender contender;

  private final List<Waits> threads = new CopyOnWriteArrayList<>();
  private String workload = "";
  private Contender.Instance instance;
  private LockHandle lock;
  private Process rival;
  private Path stop;
  private Path stats;
  private Path log;

  /** What one thread of this JVM saw. */
  @State(Scope.Thread)
  public static class Mine {
    final Waits waits = new Waits();

    /** A thread that has not acquired yet. */
    public Mine() {}

    /**
     * Makes this thread's count part of the trial's line.
     *
     * @param bench the shared state
     */
    @Setup(Level.Trial)
    public void setUp(CrossProcessBenchmark bench) {
      bench.threads.add(waits);
    }
  }

  /**
   * Starts the rival JVM on the same servers and lock, and returns once it takes its turns.
   *
   * @param params names the benchmark method in the trial's line
   * @throws Exception if the contender or the rival cannot start
   */
  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) throws Exception {
    String benchmark = params.getBenchmark();
    workload = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1)
        .replace("Benchmark.", ".");
    String name = "bench/cross-" + UUID.randomUUID();
    instance = contender.create();
    lock = instance.lock(name);
    // connect and load scripts now, so that no thread's first wait includes them
    lock.acquire().close();
    Path dir = Files.createTempDirectory("lockkit-rival");
    stop = dir.resolve("stop");
    stats = dir.resolve("stats");
    log = dir.resolve("rival.log");
    Path ready = dir.resolve("ready");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path")));
    String bound = System.getProperty(Contender.MAX_LOCAL_HANDOFFS);
    if (bound != null) {
      command.add("-D" + Contender.MAX_LOCAL_HANDOFFS + "=" + bound); // the rival cohorts the same way
    }
    if (contender.name().contains("REDIS") || contender == Contender.FLOOR_LETTUCE
        || contender == Contender.FLOOR_JEDIS) {
      command.add("-Dlockkit.bench.redis=" + Servers.redisUri());
    } else {
      command.add("-Dlockkit.bench.zookeeper=" + Servers.zookeeperConnect());
    }
    command.addAll(List.of(Rival.class.getName(), contender.name(), name, stop.toString(), stats.toString(),
        ready.toString()));
    rival = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // a JVM start and a connect take seconds: without this, a short run would measure no rival at all
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(ready)) {
      if (!rival.isAlive() || System.nanoTime() - deadline > 0) {
        String why = rival.isAlive() ? "was not ready within 60 s" : "exited with " + rival.exitValue();
        rival.destroyForcibly();
        instance.close();
        throw new IllegalStateException("the rival JVM " + why + "; see " + log);
      }
      rival.waitFor(20, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Stops the rival and records what it saw.
   *
   * @throws Exception if the rival does not stop
   */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    Files.createFile(stop);
    if (!rival.waitFor(60, TimeUnit.SECONDS)) {
      rival.destroyForcibly();
    }
    instance.close();
    String seen = Files.exists(stats) ? Files.readString(stats).strip() : "no stats (rival failed, see " + log + ")";
    record(contender + " " + workload + " here: " + Waits.summary(threads) + " rival: " + seen);
  }

  private static void record(String line) throws IOException {
    Path out = Path.of(System.getProperty(STATS_PROPERTY, Path.of("target", "cross-process.txt").toString()))
        .toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Four local threads against the rival's two.
   *
   * @param mine this thread's count
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(4)
  @SuppressWarnings("try") // the resource is held only to be released
  public void threads4(Mine mine) throws Exception {
    long start = System.nanoTime();
    try (AutoCloseable held = lock.acquire()) {
      mine.waits.acquired(System.nanoTime() - start);
      Work.spin(0);
    }
  }
}
