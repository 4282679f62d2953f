package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one lock and unlock on one thread costs a ZooKeeper server, per contender: the requests it receives
 * (its {@code srvr} counter), the CPU time of its process (from {@code /proc}, so Linux only), the client's
 * own CPU time, and the rate. On a small machine the server shares the cores with the clients, and its CPU
 * time per lock is what bounds the rate of one thread. Contenders take turns, for several rounds, each round
 * after as many unmeasured cycles; the table gives each figure's median over the rounds.
 *
 * <p>Arguments: a comma-separated list of {@link Contender}s (default: the ZooKeeper floor, lockkit, Curator),
 * the Markdown file to write; system properties {@code cycles} (per round, default 4,000) and {@code rounds}
 * (default 3). Needs the ZooKeeper server the benchmarks start themselves (its pid, its four-letter words).
 */
public final class ZooKeeperCostProbe {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperCostProbe.class);
  /** Linux's USER_HZ: the unit of the CPU times in {@code /proc/<pid>/stat}. */
  private static final long NANOS_PER_TICK = 10_000_000;

  private ZooKeeperCostProbe() {}

  /** One round of one contender. */
  record Cost(double opsPerSecond, double requestsPerOp, double serverCpuMicrosPerOp, double clientCpuMicrosPerOp) {}

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null,
        List.of(Contender.FLOOR_ZOOKEEPER, Contender.LOCKKIT_ZOOKEEPER, Contender.CURATOR));
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/zookeeper-cost.md");
    int cycles = Integer.getInteger("cycles", 4000);
    int rounds = Integer.getInteger("rounds", 3);
    Map<Contender, Contender.Instance> instances = new LinkedHashMap<>();
    try {
      Map<Contender, LockHandle> locks = Probes.openLocks(contenders, "probe/cost-", instances);
      Map<Contender, List<Cost>> costs = new LinkedHashMap<>();
      for (Contender c : contenders) {
        costs.put(c, new ArrayList<>());
      }
      for (int round = 1; round <= rounds; round++) {
        for (Contender c : contenders) {
          Cost cost = measure(locks.get(c), cycles);
          costs.get(c).add(cost);
          log.info("round {} {}: {}", round, c, cost);
        }
      }
      String md = table(costs, cycles, rounds);
      Probes.write(out, md);
      log.info("ZooKeeper cost table written to {}:\n{}", out.toAbsolutePath(), md);
    } finally {
      for (Contender.Instance instance : instances.values()) {
        instance.close();
      }
      Servers.stopAll();
    }
  }

  /** Takes and releases {@code lock} {@code cycles} times unmeasured, then as many times measured. */
  static Cost measure(LockHandle lock, int cycles) throws Exception {
    for (int i = 0; i < cycles; i++) {
      lock.acquire().close();
    }
    String connect = Servers.zookeeperConnect();
    long pid = Servers.zookeeperPid();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long requests = requestsReceived(connect);
    long server = serverCpuNanos(pid);
    long client = os.getProcessCpuTime();
    long start = System.nanoTime();
    for (int i = 0; i < cycles; i++) {
      lock.acquire().close();
    }
    long elapsed = System.nanoTime() - start;
    long clientAfter = os.getProcessCpuTime();
    long serverAfter = serverCpuNanos(pid);
    // the count includes the first srvr reading itself
    long requestsAfter = requestsReceived(connect) - 1;
    return new Cost(cycles * 1e9 / elapsed, (requestsAfter - requests) / (double) cycles,
        server < 0 || serverAfter < 0 ? Double.NaN : (serverAfter - server) / 1e3 / cycles,
        (clientAfter - client) / 1e3 / cycles);
  }

  private static String table(Map<Contender, List<Cost>> costs, int cycles, int rounds) {
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
        "One thread, %,d measured lock cycles per round, %d rounds; medians over the rounds.%n%n", cycles, rounds));
    List<Cost> curator = costs.get(Contender.CURATOR);
    double curatorRate = curator == null ? Double.NaN : median(curator, Cost::opsPerSecond);
    md.append("| contender | ops/s | vs Curator | requests per lock+unlock | server CPU per lock+unlock "
        + "| client CPU per lock+unlock |\n|---|---:|---:|---:|---:|---:|\n");
    costs.forEach((c, list) -> {
      double rate = median(list, Cost::opsPerSecond);
      double server = median(list, Cost::serverCpuMicrosPerOp);
      md.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %.2f | %s | %,.0f µs |%n", c, rate,
          Double.isNaN(curatorRate) ? "" : String.format(Locale.ROOT, "%.2fx", rate / curatorRate),
          median(list, Cost::requestsPerOp),
          Double.isNaN(server) ? "n/a" : String.format(Locale.ROOT, "%,.0f µs", server),
          median(list, Cost::clientCpuMicrosPerOp)));
    });
    return md.toString();
  }

  private static double median(List<Cost> costs, ToDoubleFunction<Cost> figure) {
    List<Double> values = new ArrayList<>();
    for (Cost cost : costs) {
      values.add(figure.applyAsDouble(cost));
    }
    values.sort(Comparator.naturalOrder());
    return values.get(values.size() / 2);
  }

  /** The server's count of requests received, from its {@code srvr} four-letter word. */
  static long requestsReceived(String connect) throws IOException {
    int colon = connect.lastIndexOf(':');
    try (Socket socket = new Socket(connect.substring(0, colon), Integer.parseInt(connect.substring(colon + 1)))) {
      OutputStream out = socket.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      for (String line : answer.split("\n")) {
        if (line.startsWith("Received:")) {
          return Long.parseLong(line.substring("Received:".length()).trim());
        }
      }
      throw new IllegalStateException("no 'Received:' in the server's answer to srvr: " + answer);
    }
  }

  /** User plus system CPU time of a process, or -1 where {@code /proc} does not tell (not Linux, no pid). */
  static long serverCpuNanos(long pid) {
    if (pid < 0) {
      return -1;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // fields after the command name, which may hold spaces, in parentheses; utime and stime are 14 and 15
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
