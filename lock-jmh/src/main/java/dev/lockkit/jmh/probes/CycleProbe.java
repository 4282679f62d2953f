package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
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
 * thread count: throughput, p50 and p99 of every cycle's latency, this JVM's CPU time per cycle and the bytes it
 * allocated per cycle, each against the floor of the same backend. Made to settle what JMH throughput runs with
 * 30-60 % error bars did not: every contender's client is created and warmed up once, then the contenders take
 * turns in rounds, the order rotated each round (A, B, C; then B, C, A; ...), so that the machine's drift hits all
 * alike; the tables give medians over the rounds and list every round's raw figures.
 *
 * <p>The servers run in processes of their own ({@code redis-server}; ZooKeeper in a JVM of its own, see
 * {@link Servers}), so the CPU time is the client's alone, its JIT compiler and garbage collector included.
 *
 * <p>Arguments, as the other probes: a comma-separated list of {@link Contender}s (default
 * LOCKKIT_REDIS_LETTUCE,LOCKKIT_REDIS_LETTUCE_SOLO,FLOOR_LETTUCE,REDISSON; empty for the default), the Markdown file
 * to write (default {@code target/bench/cycle.md}); system properties {@code threads} (thread counts, default
 * {@code 1,4,16,64}), {@code rounds} (default 5), {@code seconds} (per contender, thread count and round, default
 * 3), {@code warmup} (seconds per contender, shared by its thread counts, default 3). The defaults take about
 * {@code rounds x thread counts x contenders x seconds} = 4 minutes. A contender whose client fails, or whose run
 * is still in a lock cycle 30 s after its planned end, is dropped from the later rounds and named in the tables;
 * the probe then exits with status 1. Run it, from the repository's root, as:
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
                  Path out) {
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
      List<Contender> contenders;
      try {
        contenders = Probes.contenders(args.length > 0 ? args[0] : null, DEFAULT_CONTENDERS);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("contenders: \"" + args[0] + "\" names no Contender; allowed: "
            + List.of(Contender.values()), e);
      }
      Path out = Path.of(args.length > 1 && !args[1].isBlank() ? args[1] : "target/bench/cycle.md");
      String threadList = props.getProperty("threads", "1,4,16,64");
      List<Integer> threads = new ArrayList<>();
      for (String t : threadList.split(",")) {
        threads.add(whole("threads", threadList, t, "a comma-separated list of thread counts, such as 1,4,16,64"));
      }
      String rounds = props.getProperty("rounds", "5");
      return new Settings(contenders, threads, whole("rounds", rounds, rounds, "a whole number of rounds, such as 5"),
          seconds("seconds", props.getProperty("seconds", "3")), seconds("warmup", props.getProperty("warmup", "3")),
          out);
    }

    private static int whole(String name, String value, String part, String allowed) {
      try {
        return Integer.parseInt(part.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + ": \"" + value + "\" is not " + allowed, e);
      }
    }

    private static Duration seconds(String name, String value) {
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

  /** Connects and warms up every contender, runs the rounds, writes and returns the tables. */
  static Outcome run(Settings s) throws IOException, InterruptedException {
    Map<Contender, Contender.Instance> instances = new LinkedHashMap<>();
    Map<Contender, List<LockHandle>> locks = new LinkedHashMap<>();
    Map<Contender, String> failures = new LinkedHashMap<>();
    Map<String, Double> rates = new HashMap<>();
    List<Measured> measured = new ArrayList<>();
    int most = Collections.max(s.threads());
    long started = System.nanoTime();
    try {
      for (Contender c : s.contenders()) {
        try {
          Contender.Instance instance = CycleRun.bounded(c + "-connect", CLIENT_LIMIT, c::create);
          instances.put(c, instance);
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
        List<Contender> order = new ArrayList<>(s.contenders());
        Collections.rotate(order, -(round - 1)); // round 2 starts with the second contender, and so on
        for (int t : s.threads()) {
          for (Contender c : order) {
            if (failures.containsKey(c)) {
              continue;
            }
            try {
              CycleRun.Result r = CycleRun.run(c + "-" + t, locks.get(c).subList(0, t), s.round(),
                  capacity(rates, c, t, s.round()));
              rates.put(c + "/" + t, r.opsPerSecond());
              measured.add(new Measured(round, t, c, r));
              log.info("round {}, {} threads, {}: {}", round, t, c, r);
            } catch (RuntimeException e) {
              fail(failures, c, e);
            }
          }
        }
      }
      String md = CycleTable.markdown(s, measured, failures, Duration.ofNanos(System.nanoTime() - started));
      Probes.write(s.out(), md);
      log.info("Cycle tables written to {}:\n{}", s.out().toAbsolutePath(), md);
      return new Outcome(md, failures);
    } finally {
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
  }

  private static void fail(Map<Contender, String> failures, Contender c, RuntimeException e) {
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
