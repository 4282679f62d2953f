package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One (round, contender) of {@link CycleProbe} in forked mode, in a JVM of its own: creates the contender's client
 * (its server named by the {@code lockkit.bench.*} properties the probe passes, see
 * {@link dev.lockkit.jmh.servers.Servers}), then for each thread count in turn warms up for {@code warmup} seconds
 * at that thread count and measures it for {@code seconds}, and appends one line per thread count to the report
 * file as soon as it has it: {@code run <threads> <cycles> <ops/s> <p50 ns> <p99 ns> <CPU ns per cycle>
 * <alloc bytes per cycle> <server CPU ns per cycle>} (NaN where not known). A failure appends {@code failed
 * <message>} and ends the process with status 1; otherwise the last line is {@code done} and the status 0.
 *
 * <p>Arguments: the {@link Contender}'s name, the comma-separated thread counts, {@code seconds}, {@code warmup}
 * (both in seconds, fractions allowed), the report file, the server's pid (-1 for none), a label for the logs.
 */
public final class CycleChild {
  private static final Logger log = LoggerFactory.getLogger(CycleChild.class);
  /** How long connecting or closing the client may take. */
  private static final Duration CLIENT_LIMIT = Duration.ofSeconds(60);
  private static final int FIRST_CAPACITY = 1 << 14;

  private CycleChild() {}

  /**
   * Runs the contender's thread counts, reports, and exits: status 0 if all were measured, 1 otherwise.
   *
   * @param args contender, thread counts, seconds, warmup, report file, server pid, label
   * @throws IOException if the report cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 7) {
      throw new IllegalArgumentException("args: " + List.of(args) + " must be 7: contender, threads, seconds, "
          + "warmup, report file, server pid, label");
    }
    Path report = Path.of(args[4]);
    int status = 0;
    try {
      run(Contender.valueOf(args[0]), threads(args[1]), seconds(args[2]), seconds(args[3]), report,
          Long.parseLong(args[5]), args[6]);
      append(report, "done");
    } catch (Throwable e) { // the lock library's failure, even an Error, reported to the probe
      log.error("{} {} failed", args[6], args[0], e);
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      append(report, "failed " + why.replace('\n', ' ').replace('\r', ' '));
      status = 1;
    }
    // a library's non-daemon threads, or a thread stuck in a cycle, would keep this JVM alive
    System.exit(status);
  }

  private static void run(Contender c, List<Integer> threads, Duration seconds, Duration warmup, Path report,
      long serverPid, String label) throws IOException, InterruptedException {
    Contender.Instance instance = CycleRun.bounded(c + "-connect", CLIENT_LIMIT, c::create);
    try {
      String prefix = "probe/cycle-" + UUID.randomUUID().toString().substring(0, 8) + "/";
      List<LockHandle> locks = new ArrayList<>();
      for (int i = 0; i < java.util.Collections.max(threads); i++) {
        locks.add(instance.lock(prefix + i));
      }
      for (int t : threads) {
        int capacity = FIRST_CAPACITY;
        if (!warmup.isZero()) {
          CycleRun.Result w = CycleRun.run(c + "-warmup-" + t, locks.subList(0, t), warmup, capacity);
          capacity = capacity(w.opsPerSecond(), t, seconds);
        }
        CycleRun.Result r = CycleRun.run(c + "-" + t, locks.subList(0, t), seconds, capacity, CycleRun.GRACE,
            serverPid);
        log.info("{}, {} threads, {}: {}", label, t, c, r);
        append(report, line(t, r));
      }
    } finally {
      CycleRun.bounded(c + "-close", CLIENT_LIMIT, () -> {
        instance.close();
        return null;
      });
    }
  }

  /** Twice a thread's share of the cycles the warm-up's rate promises, so that the array rarely grows. */
  static int capacity(double rate, int threads, Duration length) {
    double perThread = rate * length.toNanos() / 1e9 / threads;
    return (int) Math.min(1 << 24, 2 * perThread + 1024);
  }

  /**
   * The report line of one measured thread count.
   *
   * @param threads the thread count
   * @param r what it measured
   * @return the line, without line break
   */
  static String line(int threads, CycleRun.Result r) {
    return String.format(Locale.ROOT, "run %d %d %s %d %d %s %s %s", threads, r.cycles(), r.opsPerSecond(),
        r.p50Nanos(), r.p99Nanos(), r.cpuNanosPerCycle(), r.allocBytesPerCycle(), r.serverCpuNanosPerCycle());
  }

  /**
   * A thread count and its result, read back from {@link #line}.
   *
   * @param line a {@code run} line
   * @return the thread count and what it measured
   * @throws IllegalArgumentException if the line is not a {@code run} line
   */
  static Reported parse(String line) {
    String[] f = line.trim().split(" ");
    if (f.length != 9 || !f[0].equals("run")) {
      throw new IllegalArgumentException("line: \"" + line + "\" is not a run line of 9 fields");
    }
    try {
      return new Reported(Integer.parseInt(f[1]), new CycleRun.Result(Long.parseLong(f[2]),
          Double.parseDouble(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Double.parseDouble(f[6]),
          Double.parseDouble(f[7]), Double.parseDouble(f[8])));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("line: \"" + line + "\" holds a malformed number", e);
    }
  }

  /** A thread count and what its run measured, as a child reported it. */
  record Reported(int threads, CycleRun.Result result) {}

  private static void append(Path report, String line) throws IOException {
    Files.writeString(report, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static List<Integer> threads(String list) {
    List<Integer> out = new ArrayList<>();
    for (String t : list.split(",")) {
      out.add(Integer.parseInt(t.trim()));
    }
    return out;
  }

  private static Duration seconds(String value) {
    return Duration.ofNanos(Math.round(Double.parseDouble(value) * 1e9));
  }
}
