package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cost of one acquire+release cycle when each thread works on a lock of its own, all threads through one
 * client: with one thread, the one-thread-one-lock case (lockkit with cohorting on and off against its peers and
 * the floors); with 4, 16, 64 threads, distinct locks (what the client itself costs under load). Per contender and
 * thread count: throughput, p50 and p99 of every cycle's latency, the client JVM's CPU time per cycle and the bytes
 * it allocated per cycle, each against the floor of the same backend, and the server process's CPU time per cycle.
 * Made to settle what JMH throughput runs with 30-60 % error bars did not: the contenders take turns in rounds, the
 * order rotated each round (A, B, C; then B, C, A; ...), so that the machine's drift hits all alike; the tables
 * give medians over the rounds and list every round's raw figures.
 *
 * <p><b>Forked mode</b> (the default, {@code -Dforks=true}): each (round, contender) runs in a child JVM of its own
 * ({@link CycleChild}: java from {@code java.home}, this class path, this JVM's {@code -Xmx} or else
 * {@code -Xmx1g}), as JMH's forks give each benchmark its own JVM. The child creates the contender's client, then
 * for each thread count warms up for {@code warmup} seconds at that thread count and measures it right after for
 * {@code seconds}: a fresh JVM has compiled nothing, and a warm-up at the measured concurrency, just before the
 * measurement, is what leaves the JIT in the same state for every contender and thread count (a warm-up split over
 * the thread counts leaves the first measured one with the least). The child reports its raw figures to this JVM
 * through a file ({@link CycleChild} names the format); a child still running 60 s after its
 * planned time (thread counts x (warmup + seconds)) is killed and its contender failed. The servers are started
 * once, by this JVM, and shared by all children. Sharing one JVM biases the figures: the same lockkit contender
 * measured 0.67-0.77x the floor's throughput in one JVM with the others, and 0.82-0.87x with a JVM of its own
 * (mixed JIT profiles of clients that send different commands through the same Lettuce classes; a heap and
 * garbage collector shared with the others; their idle event-loop threads).
 *
 * <p><b>In-JVM mode</b> ({@code -Dforks=false}): cheaper, and biased as said: every contender's client is created in
 * this JVM and warmed up once, {@code warmup} seconds split over its thread counts, then the rounds run. The
 * tables' heading says which mode ran.
 *
 * <p>The servers run in processes of their own ({@code redis-server}; ZooKeeper in a JVM of its own, see
 * {@link Servers}), so the client's CPU time is the client's alone, its JIT compiler and garbage collector
 * included. The server's CPU time is read from {@code /proc/<pid>/stat} (utime + stime) of the server this JVM
 * started (for an external Redis, the one {@code redis-server} process on its port); "n/a" where not known.
 *
 * <p>Arguments, as the other probes: a comma-separated list of {@link Contender}s (default
 * LOCKKIT_REDIS_LETTUCE,LOCKKIT_REDIS_LETTUCE_SOLO,FLOOR_LETTUCE,REDISSON; empty for the default), the Markdown file
 * to write (default {@code target/bench/cycle.md}); system properties {@code threads} (thread counts, default
 * {@code 1,4,16,64}), {@code rounds} (default 5), {@code seconds} (per contender, thread count and round, default
 * 3), {@code warmup} (seconds, default 3: forked, per thread count in each child; in-JVM, per contender, shared by
 * its thread counts), {@code forks} ({@code true} or {@code false}, default true). Forked, the defaults take about
 * {@code rounds x contenders x (thread counts x (warmup + seconds) + 3 s to start a JVM and its client)} = 9
 * minutes; in-JVM about {@code rounds x thread counts x contenders x seconds} = 4 minutes. A contender whose
 * client fails, or whose run is still in a lock cycle 30 s after its planned end, is dropped from the later rounds
 * and named in the tables; the probe then exits with status 1. Run it, from the repository's root, as:
 *
 * <pre>{@code
 * ./mvnw -B -q install -DskipTests
 * ./mvnw -B -q -pl lock-jmh dependency:build-classpath -Dmdep.includeScope=runtime \
 *     -Dmdep.outputFile="$PWD/lock-jmh/target/bench/classpath.txt"
 * java -Dthreads=1,4,16,64 -Drounds=5 -Dseconds=3 \
 *     -cp "lock-jmh/target/classes:$(cat lock-jmh/target/bench/classpath.txt)" dev.lockkit.jmh.probes.CycleProbe \
 *     LOCKKIT_REDIS_LETTUCE,LOCKKIT_REDIS_LETTUCE_SOLO,FLOOR_LETTUCE,REDISSON lock-jmh/target/bench/cycle.md
 * }</pre>
 *
 * <p>For ZooKeeper: {@code LOCKKIT_ZOOKEEPER,LOCKKIT_ZOOKEEPER_SOLO,FLOOR_ZOOKEEPER,CURATOR}; for Jedis:
 * {@code LOCKKIT_REDIS_JEDIS,FLOOR_JEDIS}.
 */
public final class CycleProbe {
  private static final Logger log = LoggerFactory.getLogger(CycleProbe.class);
  private static final List<Contender> DEFAULT_CONTENDERS = List.of(Contender.LOCKKIT_REDIS_LETTUCE,
      Contender.LOCKKIT_REDIS_LETTUCE_SOLO, Contender.FLOOR_LETTUCE, Contender.REDISSON);
  /** How long connecting or closing one contender's client may take. */
  private static final Duration CLIENT_LIMIT = Duration.ofSeconds(60);
  /** Latencies preallocated per thread when no earlier run tells the rate. */
  private static final int FIRST_CAPACITY = 1 << 14;

  private CycleProbe() {}

  /** What to run: from the arguments and system properties, validated. */
  record Settings(List<Contender> contenders, List<Integer> threads, int rounds, Duration round, Duration warmup,
                  boolean forks, Path out) {
    Settings {
      if (contenders.isEmpty() || contenders.stream().distinct().count() != contenders.size()) {
        throw new IllegalArgumentException("contenders: " + contenders + " must name each contender once, at least one");
      }
      if (threads.isEmpty() || threads.stream().anyMatch(t -> t < 1)) {
        throw new IllegalArgumentException("threads: " + threads + " must hold at least one thread count, each >= 1");
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds: " + rounds + " must be at least 1");
      }
      if (round.isNegative() || round.isZero() || warmup.isNegative()) {
        throw new IllegalArgumentException("seconds: " + round + " must be > 0, warmup: " + warmup + " >= 0");
      }
      contenders = List.copyOf(contenders);
      threads = List.copyOf(threads);
    }

    /** The settings of {@code args} (contenders, output file) and {@code props}, defaults where absent. */
    static Settings parse(String[] args, Properties props) {
      List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null, DEFAULT_CONTENDERS);
      Path out = Path.of(args.length > 1 && !args[1].isBlank() ? args[1] : "target/bench/cycle.md");
      String threadList = props.getProperty("threads", "1,4,16,64");
      List<Integer> threads = new ArrayList<>();
      for (String t : threadList.split(",")) {
        threads.add(whole("threads", threadList, t, "a comma-separated list of thread counts, such as 1,4,16,64"));
      }
      String rounds = props.getProperty("rounds", "5");
      String forks = props.getProperty("forks", "true").trim();
      if (!forks.equalsIgnoreCase("true") && !forks.equalsIgnoreCase("false")) {
        throw new IllegalArgumentException("forks: \"" + forks + "\" is not true (a JVM per round and contender) or "
            + "false (all in this JVM)");
      }
      return new Settings(contenders, threads, whole("rounds", rounds, rounds, "a whole number of rounds, such as 5"),
          seconds("seconds", props.getProperty("seconds", "3")), seconds("warmup", props.getProperty("warmup", "3")),
          Boolean.parseBoolean(forks), out);
    }

    static int whole(String name, String value, String part, String allowed) {
      try {
        return Integer.parseInt(part.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + ": \"" + value + "\" is not " + allowed, e);
      }
    }

    static Duration seconds(String name, String value) {
      try {
        double d = Double.parseDouble(value.trim());
        if (!Double.isFinite(d)) {
          throw new NumberFormatException("not finite");
        }
        return Duration.ofNanos(Math.round(d * 1e9));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + ": \"" + value + "\" is not a number of seconds, such as 3 or 0.5", e);
      }
    }
  }

  /** One measured run: which round, how many threads, which contender, what it gave. */
  record Measured(int round, int threads, Contender contender, CycleRun.Result result) {}

  /** What a probe run produced: the Markdown written, and each failed contender with its failure. */
  record Outcome(String markdown, Map<Contender, String> failures) {}

  /**
   * Runs the probe, writes the Markdown and stops the servers it started.
   *
   * @param args contenders (comma-separated, empty for the default), output file
   * @throws IOException if the Markdown cannot be written
   * @throws InterruptedException if interrupted
   * @throws IllegalArgumentException if an argument or system property is malformed, naming it
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Settings settings = Settings.parse(args, System.getProperties());
    Outcome outcome;
    try {
      outcome = run(settings);
    } finally {
      Servers.stopAll();
    }
    if (!outcome.failures().isEmpty()) {
      log.error("failed contenders: {}", outcome.failures());
      // a stuck library's own threads, not all daemons, would keep this JVM alive
      System.exit(1);
    }
  }

  /** Runs the rounds, forked or in this JVM as {@code s} says, writes and returns the tables. */
  static Outcome run(Settings s) throws IOException, InterruptedException {
    Map<Contender, String> failures = new LinkedHashMap<>();
    List<Measured> measured = new ArrayList<>();
    long started = System.nanoTime();
    if (s.forks()) {
      runForked(s, measured, failures);
    } else {
      runInJvm(s, measured, failures);
    }
    String md = CycleTable.markdown(s, measured, failures, Duration.ofNanos(System.nanoTime() - started));
    Probes.write(s.out(), md);
    log.info("Cycle tables written to {}:\n{}", s.out().toAbsolutePath(), md);
    return new Outcome(md, failures);
  }

  /** The contenders in the order of round {@code round}: round 2 starts with the second contender, and so on. */
  private static List<Contender> order(Settings s, int round) {
    List<Contender> order = new ArrayList<>(s.contenders());
    Collections.rotate(order, -(round - 1));
    return order;
  }

  /** Each (round, contender) in a child JVM of its own, all of them talking to the servers this JVM starts. */
  private static void runForked(Settings s, List<Measured> measured, Map<Contender, String> failures)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("lockkit-cycle");
    try {
      for (int round = 1; round <= s.rounds(); round++) {
        for (Contender c : order(s, round)) {
          if (failures.containsKey(c)) {
            continue;
          }
          try {
            CycleForks.Child child = CycleForks.run(s, round, c, dir);
            for (CycleChild.Reported r : child.runs()) {
              measured.add(new Measured(round, r.threads(), c, r.result()));
              log.info("round {}, {} threads, {}: {}", round, r.threads(), c, r.result());
            }
            if (child.failure() != null) {
              log.error("{} failed, left out of the later rounds: {}", c, child.failure());
              failures.put(c, child.failure());
            }
          } catch (IOException | RuntimeException e) {
            fail(failures, c, e);
          }
        }
      }
    } finally {
      CycleForks.delete(dir);
    }
  }

  /** Connects and warms up every contender in this JVM, then runs the rounds. */
  private static void runInJvm(Settings s, List<Measured> measured, Map<Contender, String> failures)
      throws InterruptedException {
    Map<Contender, Contender.Instance> instances = new LinkedHashMap<>();
    Map<Contender, List<LockHandle>> locks = new LinkedHashMap<>();
    Map<Contender, Long> serverPids = new HashMap<>();
    Map<String, Double> rates = new HashMap<>();
    int most = Collections.max(s.threads());
    try {
      for (Contender c : s.contenders()) {
        try {
          Contender.Instance instance = CycleRun.bounded(c + "-connect", CLIENT_LIMIT, c::create);
          instances.put(c, instance);
          serverPids.put(c, CycleServerCpu.pidOf(c));
          String prefix = "probe/cycle-" + UUID.randomUUID().toString().substring(0, 8) + "/";
          List<LockHandle> mine = new ArrayList<>();
          for (int i = 0; i < most; i++) {
            mine.add(instance.lock(prefix + i));
          }
          locks.put(c, mine);
          Duration each = s.warmup().dividedBy(s.threads().size());
          for (int t : s.threads()) {
            if (!each.isZero()) {
              CycleRun.Result r = CycleRun.run(c + "-warmup-" + t, mine.subList(0, t), each, capacity(rates, c, t, each));
              rates.put(c + "/" + t, r.opsPerSecond());
            }
          }
          log.info("{}: connected, warmed up for {} s", c, s.warmup().toMillis() / 1000.0);
        } catch (RuntimeException e) {
          fail(failures, c, e);
        }
      }
      for (int round = 1; round <= s.rounds(); round++) {
        List<Contender> order = order(s, round);
        for (int t : s.threads()) {
          for (Contender c : order) {
            if (failures.containsKey(c)) {
              continue;
            }
            try {
              CycleRun.Result r = CycleRun.run(c + "-" + t, locks.get(c).subList(0, t), s.round(),
                  capacity(rates, c, t, s.round()), CycleRun.GRACE, serverPids.get(c));
              rates.put(c + "/" + t, r.opsPerSecond());
              measured.add(new Measured(round, t, c, r));
              log.info("round {}, {} threads, {}: {}", round, t, c, r);
            } catch (RuntimeException e) {
              fail(failures, c, e);
            }
          }
        }
      }
    } finally {
      closeAll(instances);
    }
  }

  /** Closes every client, each within {@link #CLIENT_LIMIT}; a failure to close is logged, the others still closed. */
  static void closeAll(Map<Contender, Contender.Instance> instances) throws InterruptedException {
    for (Map.Entry<Contender, Contender.Instance> e : instances.entrySet()) {
      try {
        CycleRun.bounded(e.getKey() + "-close", CLIENT_LIMIT, () -> {
          e.getValue().close();
          return null;
        });
      } catch (RuntimeException ex) {
        log.warn("{}", ex.getMessage());
      }
    }
  }

  private static void fail(Map<Contender, String> failures, Contender c, Exception e) {
    log.error("{} failed, left out of the later rounds", c, e);
    failures.put(c, e.getMessage() == null ? e.toString() : e.getMessage());
  }

  /** Twice a thread's share of the cycles the last run's rate promises, so that the array rarely grows. */
  private static int capacity(Map<String, Double> rates, Contender c, int threads, Duration length) {
    Double rate = rates.get(c + "/" + threads);
    if (rate == null) {
      return FIRST_CAPACITY;
    }
    double perThread = rate * length.toNanos() / 1e9 / threads;
    return (int) Math.min(1 << 24, 2 * perThread + 1024);
  }
}
