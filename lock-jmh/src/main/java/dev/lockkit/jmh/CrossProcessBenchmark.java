package dev.lockkit.jmh;

import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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

/**
 * Four threads here and two in a second JVM ({@link Rival}) on the same lock: what no process-local trick
 * can help. The rival's acquisitions and its longest wait go to {@code target/cross-process.txt}, so that a
 * starved process shows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class CrossProcessBenchmark {
  /**
   * Which implementation; the in-memory backend has no second process to contend with. The rival uses the
   * same one, so with the same cohorting setting.
   */
  @Param({"LOCKKIT_REDIS_LETTUCE", "LOCKKIT_REDIS_LETTUCE_SOLO", "LOCKKIT_REDIS_JEDIS", "LOCKKIT_ZOOKEEPER",
      "LOCKKIT_ZOOKEEPER_SOLO", "REDISSON", "CURATOR", "FLOOR_LETTUCE"})
  public Contender contender;

  private Contender.Instance instance;
  private LockHandle lock;
  private Process rival;
  private Path stop;
  private Path stats;

  /**
   * Starts the rival JVM on the same servers and lock.
   *
   * @throws Exception if the contender or the rival cannot start
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String name = "bench/cross-" + UUID.randomUUID();
    instance = contender.create();
    lock = instance.lock(name);
    Path dir = Files.createTempDirectory("lockkit-rival");
    stop = dir.resolve("stop");
    stats = dir.resolve("stats");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path")));
    if (contender.name().contains("REDIS") || contender == Contender.FLOOR_LETTUCE) {
      command.add("-Dlockkit.bench.redis=" + Servers.redisUri());
    } else {
      command.add("-Dlockkit.bench.zookeeper=" + Servers.zookeeperConnect());
    }
    command.addAll(List.of(Rival.class.getName(), contender.name(), name, stop.toString(), stats.toString()));
    rival = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("rival.log").toFile())
        .start();
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
    String seen = Files.exists(stats) ? Files.readString(stats).strip() : "no stats (rival failed)";
    record(contender + " rival: " + seen);
  }

  private static void record(String line) throws IOException {
    Path out = Path.of("target", "cross-process.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Four local threads against the rival's two.
   *
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(4)
  @SuppressWarnings("try") // the resource is held only to be released
  public void threads4() throws Exception {
    try (AutoCloseable held = lock.acquire()) {
      Work.spin(0);
    }
  }
}
