package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.IdempotencyContender;
import dev.lockkit.jmh.servers.Servers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one request of each {@link IdempotencyContender} sends to Redis: round trips (the commands clients sent,
 * none pipelined here), the commands the server ran for it (those plus the ones inside scripts), each by name.
 * Counted exactly by {@link RedisMonitor} over a fixed number of requests on one thread, after as many
 * unmeasured ones; then, without the monitor, the mean time per request on one thread.
 *
 * <p>Arguments: comma-separated {@link IdempotencyContender}s (default: all), the Markdown file to write
 * (default {@code target/bench/idempotency-cost.md}); system property {@code requests} (default 2,000).
 */
public final class IdempotencyCostProbe {
  private static final Logger log = LoggerFactory.getLogger(IdempotencyCostProbe.class);

  private IdempotencyCostProbe() {}

  /**
   * What one request of one contender cost, averaged over the measured requests.
   *
   * @param roundTrips commands clients sent, per request
   * @param serverCommands commands the server ran (sent and in scripts), per request
   * @param sent per request, by command name
   * @param inScripts commands scripts ran, per request, by name
   * @param micros mean time of a request on one thread, without the monitor, in microseconds
   */
  record Cost(double roundTrips, double serverCommands, Map<String, Double> sent, Map<String, Double> inScripts,
      double micros) {}

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    List<IdempotencyContender> contenders = args.length > 0 && !args[0].isBlank()
        ? Arrays.stream(args[0].split(",")).map(s -> IdempotencyContender.valueOf(s.trim())).toList()
        : List.of(IdempotencyContender.values());
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/idempotency-cost.md");
    int requests = Integer.getInteger("requests", 2000);
    try {
      StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
          "One thread, %,d measured requests per contender after as many unmeasured; counted by MONITOR.%n%n"
              + "| contender | round trips per request | server commands per request | sent | run in scripts "
              + "| µs per request (1 thread) |%n|---|---:|---:|---|---|---:|%n", requests));
      for (IdempotencyContender c : contenders) {
        Cost cost = measure(c, requests);
        log.info("{}: {}", c, cost);
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s | %,.0f |%n", c, cost.roundTrips(),
            cost.serverCommands(), names(cost.sent()), names(cost.inScripts()), cost.micros()));
      }
      Probes.write(out, md.toString());
      log.info("Idempotency cost table written to {}:\n{}", out.toAbsolutePath(), md);
    } finally {
      Servers.stopAll();
    }
  }

  /**
   * Connects {@code contender}, runs {@code requests} requests unmeasured, as many counted, as many timed.
   *
   * @throws Exception from the contender or the monitor
   */
  static Cost measure(IdempotencyContender contender, int requests) throws Exception {
    String keys = "probe-" + UUID.randomUUID();
    long[] n = {0};
    try (IdempotencyContender.Instance instance = contender.create()) {
      for (int i = 0; i < requests; i++) {
        instance.request(contender.key(keys, n[0]++));
      }
      RedisMonitor.Commands commands;
      // closed before the timing: a monitor slows the server down
      try (RedisMonitor monitor = new RedisMonitor(Servers.redisUri())) {
        commands = monitor.count(() -> {
          for (int i = 0; i < requests; i++) {
            instance.request(contender.key(keys, n[0]++));
          }
        });
      }
      long start = System.nanoTime();
      for (int i = 0; i < requests; i++) {
        instance.request(contender.key(keys, n[0]++));
      }
      double micros = (System.nanoTime() - start) / 1e3 / requests;
      return new Cost(commands.sentTotal() / (double) requests,
          (commands.sentTotal() + commands.inScriptsTotal()) / (double) requests,
          perRequest(commands.sent(), requests), perRequest(commands.inScripts(), requests), micros);
    }
  }

  private static Map<String, Double> perRequest(Map<String, Long> counts, int requests) {
    return counts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
        e -> e.getValue() / (double) requests, (a, b) -> a, java.util.TreeMap::new));
  }

  /** {@code EVALSHA 4.00, INCR 1.00}, the most frequent first; a dash for none. */
  static String names(Map<String, Double> perRequest) {
    if (perRequest.isEmpty()) {
      return "-";
    }
    List<Map.Entry<String, Double>> entries = new ArrayList<>(perRequest.entrySet());
    entries.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
    return entries.stream().map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }
}
