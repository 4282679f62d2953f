package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An A/B probe: two or more contenders, each with its own client and its own lock, all in this JVM, take turns on
 * one measuring thread in short blocks ({@code blockMillis}, default 250 ms), each block back-to-back
 * {@code acquire().close()} cycles. With {@code threads} above 1, a contender has that many locks and its block runs
 * that many threads at once, each cycling its own lock: distinct locks, the shape of many entities each locked by one
 * request. Made to settle differences of a few per cent that JMH's forks and multi-second
 * rounds cannot: on a small shared machine their figures move by 20-30 % from one run to the next, more than the
 * differences looked for. Here every round runs one block of each contender, the order rotated each round (A, B, C;
 * then B, C, A; ...), so the machine's drift hits all alike, and each round gives a ratio of each contender's block
 * rate to the reference's (the first contender) in the same round: a distribution of ratios, not one number.
 *
 * <p>Before the rounds, the contenders alternate in blocks alike, unmeasured, for {@code warmup} seconds. The table
 * gives per contender: its cycles, ops/s (all its cycles over all its measured time), the ratio to the reference as
 * the median of the per-round ratios with their 10th-90th percentile range, the pooled ratio (ops/s over the
 * reference's), p50 and p99 of every cycle's latency (System.nanoTime around acquire and release), this JVM's CPU
 * time per cycle (every client's in it: idle event loops, JIT, GC) and the server process's CPU time per cycle
 * ({@link CycleServerCpu}, from {@code /proc}; n/a where its pid is not known). A second table lists every round's
 * block rates. The Markdown is written and logged.
 *
 * <p>Arguments: a comma-separated list of at least two distinct {@link Contender}s, the first the reference (default
 * {@code LOCKKIT_REDIS_LETTUCE,LOCKKIT_REDIS_LETTUCE_SOLO}; empty for the default), the Markdown file to write
 * (default {@code target/bench/pair.md}); system properties {@code rounds} (default 60), {@code blockMillis}
 * (default 250), {@code warmup} (seconds, default 10), {@code threads} (default 1) and {@code oneLock} (default
 * false; true: a contender's threads all cycle one lock, the lock handle shared as {@code OneLockBenchmark} shares
 * it, where a thread of a block that ends may wait for the lock past the block's end). The defaults take
 * {@code warmup + rounds x contenders x block} = 40 s with two contenders, plus starting the servers. A contender
 * whose lock cycle throws stops the probe: every client is closed, the servers it started are stopped, and the
 * failure is rethrown (exit status 1); so is a run still in a lock cycle long after its planned end.
 * Run it, from the repository's root, as:
 *
 * <pre>{@code
 * ./mvnw -B -q install -DskipTests
 * ./mvnw -B -q -pl lock-jmh dependency:build-classpath -Dmdep.includeScope=runtime \
 *     -Dmdep.outputFile="$PWD/lock-jmh/target/bench/classpath.txt"
 * java -Drounds=60 -DblockMillis=250 -Dwarmup=10 \
 *     -cp "lock-jmh/target/classes:$(cat lock-jmh/target/bench/classpath.txt)" dev.lockkit.jmh.probes.PairProbe \
 *     LOCKKIT_ZOOKEEPER,LOCKKIT_ZOOKEEPER_SOLO,CURATOR lock-jmh/target/bench/pair-zk.md
 * }</pre>
 *
 * <p>For Redis: {@code LOCKKIT_REDIS_LETTUCE,LOCKKIT_REDIS_LETTUCE_SOLO,FLOOR_LETTUCE}.
 */
public final class PairProbe {
  private static final Logger log = LoggerFactory.getLogger(PairProbe.class);
  private static final List<Contender> DEFAULT_CONTENDERS =
      List.of(Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_LETTUCE_SOLO);
  /** How long connecting one contender's client may take. */
  private static final Duration CLIENT_LIMIT = Duration.ofSeconds(60);
  /** How long past twice its planned time the warm-up and rounds may take before the probe fails. */
  private static final Duration GRACE = Duration.ofSeconds(60);
  /** Latencies preallocated per contender; the array doubles when full. */
  private static final int FIRST_CAPACITY = 1 << 16;
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private PairProbe() {}

  /** What to run: from the arguments and system properties, validated. */
  record Settings(List<Contender> contenders, int rounds, Duration block, Duration warmup, int threads,
      boolean oneLock, Path out) {
    /** The most threads a block may run. */
    static final int MAX_THREADS = 256;

    Settings {
      if (contenders.size() < 2 || contenders.stream().distinct().count() != contenders.size()) {
        throw new IllegalArgumentException("contenders: " + contenders + " must name at least 2 contenders, each "
            + "once, the first the reference");
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds: " + rounds + " must be at least 1");
      }
      if (block.toMillis() < 1) {
        throw new IllegalArgumentException("blockMillis: " + block.toMillis() + " must be at least 1 (ms)");
      }
      if (threads < 1 || threads > MAX_THREADS) {
        throw new IllegalArgumentException("threads: " + threads + " must be from 1 to " + MAX_THREADS
            + " (threads of a block, each on a lock of its own)");
      }
      if (warmup.isNegative()) {
        throw new IllegalArgumentException("warmup: " + warmup.toMillis() / 1000.0 + " must be >= 0 (seconds)");
      }
      contenders = List.copyOf(contenders);
    }

    /** Settings with each thread on a lock of its own. */
    Settings(List<Contender> contenders, int rounds, Duration block, Duration warmup, int threads, Path out) {
      this(contenders, rounds, block, warmup, threads, false, out);
    }

    /** What each contender's block runs, for the table's title. */
    String shape() {
      return threads == 1 ? "One thread, one lock"
          : oneLock ? threads + " threads on one lock" : threads + " threads, each on a lock of its own";
    }

    /** The settings of {@code args} (contenders, output file) and {@code props}, defaults where absent. */
    static Settings parse(String[] args, Properties props) {
      String rounds = props.getProperty("rounds", "60");
      String block = props.getProperty("blockMillis", "250");
      return new Settings(Probes.contenders(args.length > 0 ? args[0] : null, DEFAULT_CONTENDERS),
          CycleProbe.Settings.whole("rounds", rounds, rounds, "a whole number of rounds, such as 60"),
          Duration.ofMillis(CycleProbe.Settings.whole("blockMillis", block, block,
              "a whole number of milliseconds, such as 250")),
          CycleProbe.Settings.seconds("warmup", props.getProperty("warmup", "10")),
          CycleProbe.Settings.whole("threads", props.getProperty("threads", "1"), props.getProperty("threads", "1"),
              "a whole number of threads, such as 4"),
          Boolean.parseBoolean(props.getProperty("oneLock", "false")),
          Path.of(args.length > 1 && !args[1].isBlank() ? args[1] : "target/bench/pair.md"));
    }
  }

  /**
   * One contender's block in one round.
   *
   * @param round from 1
   * @param contender whose block
   * @param cycles acquire+release cycles in it
   * @param elapsedNanos from its first cycle's start to its last cycle's end
   * @param clientCpuNanos this JVM's CPU time during the block, -1 where the JVM does not tell
   * @param serverCpuNanos the server process's CPU time during the block, -1 where not known
   */
  record Block(int round, Contender contender, long cycles, long elapsedNanos, long clientCpuNanos,
               long serverCpuNanos) {
    double opsPerSecond() {
      return cycles * 1e9 / elapsedNanos;
    }
  }

  /** What the rounds measured: every block in the order they ran, and each contender's cycle latencies, pooled. */
  record Measured(List<Block> blocks, Map<Contender, long[]> latencies) {}

  /** Creates a contender's client: {@link Contender#create()}, or a stand-in in tests. */
  @FunctionalInterface
  interface Clients {
    Contender.Instance create(Contender c) throws Exception;
  }

  /**
   * Runs the probe, writes the Markdown and stops the servers it started.
   *
   * @param args contenders (comma-separated, the first the reference; empty for the default), output file
   * @throws IOException if the Markdown cannot be written
   * @throws InterruptedException if interrupted
   * @throws IllegalArgumentException if an argument or system property is malformed, naming it
   * @throws IllegalStateException if a contender's client or lock cycle failed, or a run hung, naming it
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Settings settings = Settings.parse(args, System.getProperties());
    try {
      run(settings, Contender::create);
    } finally {
      Servers.stopAll();
    }
  }

  /**
   * Connects every contender, warms up, runs the rounds, closes every client (also on failure), then writes and
   * returns the Markdown.
   */
  static String run(Settings s, Clients clients) throws IOException, InterruptedException {
    long started = System.nanoTime();
    Map<Contender, Contender.Instance> instances = new LinkedHashMap<>();
    Measured measured;
    try {
      Map<Contender, List<LockHandle>> locks = new LinkedHashMap<>();
      Map<Contender, Long> serverPids = new LinkedHashMap<>();
      for (Contender c : s.contenders()) {
        Contender.Instance instance = CycleRun.bounded(c + "-connect", CLIENT_LIMIT, () -> clients.create(c));
        instances.put(c, instance);
        List<LockHandle> own = new ArrayList<>(s.threads());
        @Nullable LockHandle shared = s.oneLock() ? instance.lock("probe/pair-" + UUID.randomUUID()) : null;
        for (int i = 0; i < s.threads(); i++) {
          own.add(shared != null ? shared : instance.lock("probe/pair-" + UUID.randomUUID()));
        }
        locks.put(c, own);
        serverPids.put(c, CycleServerCpu.pidOf(c));
      }
      Duration planned = s.warmup().plus(s.block().multipliedBy((long) s.rounds() * s.contenders().size()));
      measured = CycleRun.bounded("pair", planned.multipliedBy(2).plus(GRACE), () -> measure(s, locks, serverPids));
    } finally {
      CycleProbe.closeAll(instances);
    }
    String md = PairTable.markdown(s, measured, Duration.ofNanos(System.nanoTime() - started));
    Probes.write(s.out(), md);
    log.info("Pair table written to {}:\n{}", s.out().toAbsolutePath(), md);
    return md;
  }

  /** The warm-up, then the rounds, on the calling thread: the one measuring thread. */
  private static Measured measure(Settings s, Map<Contender, List<LockHandle>> locks, Map<Contender, Long> serverPids)
      throws InterruptedException {
    ExecutorService pool = s.threads() == 1 ? null
        : Executors.newFixedThreadPool(s.threads() - 1, Probes.daemonThreads("pair-cycle"));
    try {
      return measure(s, locks, serverPids, pool);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  private static Measured measure(Settings s, Map<Contender, List<LockHandle>> locks, Map<Contender, Long> serverPids,
      @Nullable ExecutorService pool) throws InterruptedException {
    List<Contender> contenders = s.contenders();
    long blockNanos = s.block().toNanos();
    CycleRun.Recorder scratch = new CycleRun.Recorder(FIRST_CAPACITY);
    long warmupEnd = System.nanoTime() + s.warmup().toNanos();
    int warmupBlocks = 0;
    while (System.nanoTime() - warmupEnd < 0) {
      Contender c = contenders.get(warmupBlocks++ % contenders.size());
      scratch.count = 0;
      // the same code as measured, so that the JIT has compiled what the rounds run; no /proc reads (pid -1)
      block(0, c, locks.get(c), blockNanos, -1, scratch, pool);
    }
    log.info("warmed up: {} blocks of {} ms in {} s", warmupBlocks, s.block().toMillis(), s.warmup().toMillis() / 1e3);
    Map<Contender, CycleRun.Recorder> latencies = new LinkedHashMap<>();
    for (Contender c : contenders) {
      latencies.put(c, new CycleRun.Recorder(FIRST_CAPACITY));
    }
    List<Block> blocks = new ArrayList<>();
    for (int round = 1; round <= s.rounds(); round++) {
      List<Contender> order = new ArrayList<>(contenders);
      Collections.rotate(order, -(round - 1));
      StringBuilder rates = new StringBuilder();
      for (Contender c : order) {
        Block b = block(round, c, locks.get(c), blockNanos, serverPids.get(c), latencies.get(c), pool);
        blocks.add(b);
        rates.append(String.format(Locale.ROOT, " %s %,.0f/s", c, b.opsPerSecond()));
      }
      log.info("round {}:{}", round, rates);
    }
    Map<Contender, long[]> pooled = new LinkedHashMap<>();
    latencies.forEach((c, r) -> pooled.put(c, Arrays.copyOf(r.nanos, r.count)));
    return new Measured(blocks, pooled);
  }

  /**
   * One block: on each lock, a thread (this one for the first, {@code pool}'s for the others) runs back-to-back lock
   * cycles until its first cycle end past {@code blockNanos}; every cycle's latency is added to {@code latencies}.
   *
   * @throws IllegalStateException if a lock cycle failed, naming the contender and the round (0: the warm-up)
   */
  private static Block block(int round, Contender c, List<LockHandle> locks, long blockNanos, long serverPid,
      CycleRun.Recorder latencies, @Nullable ExecutorService pool) throws InterruptedException {
    int n = locks.size();
    CycleRun.Recorder[] others = new CycleRun.Recorder[n];
    List<Future<Long>> running = new ArrayList<>(n - 1);
    int before = latencies.count;
    long serverBefore = CycleServerCpu.cpuNanos(serverPid);
    long clientBefore = OS.getProcessCpuTime();
    long start = System.nanoTime();
    long end = start + blockNanos;
    try {
      for (int i = 1; i < n; i++) {
        LockHandle lock = locks.get(i);
        CycleRun.Recorder rec = new CycleRun.Recorder(1024);
        others[i] = rec;
        running.add(Objects.requireNonNull(pool).submit(() -> cycles(lock, end, rec)));
      }
      long last = cycles(locks.get(0), end, latencies);
      for (Future<Long> other : running) {
        last = Math.max(last, other.get());
      }
      long clientAfter = OS.getProcessCpuTime();
      long serverAfter = CycleServerCpu.cpuNanos(serverPid);
      for (int i = 1; i < n; i++) {
        for (int j = 0; j < others[i].count; j++) {
          latencies.add(others[i].nanos[j]);
        }
      }
      return new Block(round, c, latencies.count - before, last - start,
          clientBefore < 0 || clientAfter < 0 ? -1 : clientAfter - clientBefore,
          serverBefore < 0 || serverAfter < 0 ? -1 : serverAfter - serverBefore);
    } catch (Exception e) {
      for (Future<Long> other : running) {
        other.cancel(true);
      }
      if (e instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(c + ": a lock cycle failed in " + (round == 0 ? "the warm-up" : "round " + round)
          + ": " + cause, cause);
    }
  }

  /** Back-to-back cycles of {@code lock} until the first cycle end past {@code end}, each latency recorded. */
  private static long cycles(LockHandle lock, long end, CycleRun.Recorder latencies) throws Exception {
    long now = System.nanoTime();
    do {
      long begin = now;
      lock.acquire().close();
      now = System.nanoTime();
      latencies.add(now - begin);
    } while (now - end < 0);
    return now;
  }
}
