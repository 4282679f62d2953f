package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one lock and unlock on one thread costs the Redis server, per contender, in the server's own accounting:
 * {@code INFO commandstats}, reset before each measured round, gives every command's calls and the microseconds
 * the server spent executing it. Commands a script calls are counted there too, and their time is inside the
 * script's ({@code evalsha}) as well: a contender's command time a cycle is its {@code evalsha} time plus that of
 * the commands it sends outside scripts. The time excludes reading and parsing the request and writing the
 * reply, which {@link PairProbe}'s server CPU column includes.
 *
 * <p>Arguments: a comma-separated list of {@link Contender}s (default: the Jedis floor and lockkit on Jedis), the
 * Markdown file to write; system properties {@code cycles} (per round, default 20,000) and {@code rounds}
 * (default 5). Contenders take turns each round, each after as many unmeasured cycles; the table gives the
 * round with the least {@code evalsha} time a cycle (the one the machine disturbed least), and the median.
 */
public final class RedisCommandCostProbe {
  private static final Logger log = LoggerFactory.getLogger(RedisCommandCostProbe.class);

  private RedisCommandCostProbe() {}

  /** One round of one contender: per command, calls and microseconds a cycle. */
  record Round(Map<String, double[]> perCycle) {
    double evalshaMicros() {
      double[] e = perCycle.get("evalsha");
      return e == null ? 0 : e[1];
    }
  }

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null,
        List.of(Contender.FLOOR_JEDIS, Contender.LOCKKIT_REDIS_JEDIS));
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/redis-command-cost.md");
    int cycles = Integer.getInteger("cycles", 20_000);
    int rounds = Integer.getInteger("rounds", 5);
    Map<Contender, Contender.Instance> instances = new LinkedHashMap<>();
    RedisClient admin = RedisClient.create(Servers.redisUri());
    try (StatefulRedisConnection<String, String> connection = admin.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      Map<Contender, LockHandle> locks = Probes.openLocks(contenders, "probe/command-cost-", instances);
      Map<Contender, List<Round>> measured = new LinkedHashMap<>();
      for (Contender c : contenders) {
        measured.put(c, new ArrayList<>());
      }
      for (int round = 1; round <= rounds; round++) {
        for (Contender c : contenders) {
          Round r = measure(redis, locks.get(c), cycles);
          measured.get(c).add(r);
          log.info("round {} {}: evalsha {} µs a cycle", round, c, r.evalshaMicros());
        }
      }
      String md = table(measured, cycles, rounds);
      Probes.write(out, md);
      log.info("Redis command cost table written to {}:\n{}", out.toAbsolutePath(), md);
    } finally {
      for (Contender.Instance instance : instances.values()) {
        instance.close();
      }
      admin.shutdown();
      Servers.stopAll();
    }
  }

  /** Takes and releases {@code lock} {@code cycles} times unmeasured, then as many times with the stats reset. */
  static Round measure(RedisCommands<String, String> redis, LockHandle lock, int cycles) throws Exception {
    for (int i = 0; i < cycles; i++) {
      lock.acquire().close();
    }
    redis.configResetstat();
    for (int i = 0; i < cycles; i++) {
      lock.acquire().close();
    }
    String stats = redis.info("commandstats");
    Map<String, double[]> perCycle = new TreeMap<>();
    for (String line : stats.split("\r?\n")) {
      // cmdstat_evalsha:calls=200000,usec=1005683,usec_per_call=5.03,...
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String command = line.substring("cmdstat_".length(), line.indexOf(':'));
      if (command.startsWith("info") || command.startsWith("config")) {
        continue; // this probe's own
      }
      long calls = field(line, "calls=");
      long usec = field(line, "usec=");
      perCycle.put(command, new double[] {calls / (double) cycles, usec / (double) cycles});
    }
    return new Round(perCycle);
  }

  /** The first field {@code name} after the colon: {@code calls=} and {@code usec=} come before their kin. */
  private static long field(String line, String name) {
    int at = line.indexOf(name, line.indexOf(':'));
    int end = line.indexOf(',', at);
    return Long.parseLong(line.substring(at + name.length(), end < 0 ? line.length() : end));
  }

  private static String table(Map<Contender, List<Round>> measured, int cycles, int rounds) {
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
        "One thread, %,d measured lock cycles per round, %d rounds; per lock and unlock: calls, and the server's "
            + "execution time in µs (a script's includes the commands it calls), from the round with the least "
            + "evalsha time; the median evalsha time over the rounds in brackets.%n%n", cycles, rounds));
    md.append("| contender | evalsha µs (median) | commands: calls, µs |\n|---|---:|---|\n");
    measured.forEach((c, list) -> {
      Round best = list.get(0);
      List<Double> evalsha = new ArrayList<>();
      for (Round r : list) {
        evalsha.add(r.evalshaMicros());
        if (r.evalshaMicros() < best.evalshaMicros()) {
          best = r;
        }
      }
      evalsha.sort(Double::compare);
      StringBuilder commands = new StringBuilder();
      best.perCycle().forEach((command, v) -> commands.append(commands.length() == 0 ? "" : "; ")
          .append(String.format(Locale.ROOT, "%s %.2f, %.2f", command, v[0], v[1])));
      md.append(String.format(Locale.ROOT, "| %s | %.2f (%.2f) | %s |%n", c, best.evalshaMicros(),
          evalsha.get(evalsha.size() / 2), commands));
    });
    return md.toString();
  }
}
