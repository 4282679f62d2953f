package dev.lockkit.idempotency.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link ExactlyOnceClient} child JVM runs, passed on its command line.
 *
 * @param client the client's index: its name is {@code client-<index>}
 * @param runId the run's id, the first part of every key (keys are {@code <runId>-<guard>-k<i>})
 * @param guards the guards it drives, each with its own threads and keys, side by side
 * @param threads threads per guard
 * @param keys keys per guard; every client requests every key once
 * @param batchSize keys released together: every client requests them at about the same time
 * @param batchInterval time between two batches' release
 * @param lease the lease of a claim (lockkit's lease time; the unfenced guard's {@code PX})
 * @param action how long the action takes, its side effect in the middle
 * @param keyDeadline how long a request is retried before it gives up (then it counts as a hang)
 * @param redisUri the Redis server (locks, the unfenced guard's records)
 * @param jdbcUrl the PostgreSQL database (effects, the fenced guard's records)
 * @param results the file the client appends its {@link ResultLine}s to
 * @param goFile the file whose appearance (holding the start time in epoch millis) starts the workload
 */
record ClientSettings(int client, String runId, List<GuardKind> guards, int threads, int keys, int batchSize,
    Duration batchInterval, Duration lease, Duration action, Duration keyDeadline, String redisUri, String jdbcUrl,
    Path results, Path goFile) {

  ClientSettings {
    guards = List.copyOf(guards);
  }

  String clientName() {
    return "client-" + client;
  }

  /** The key of the {@code i}th request of {@code guard} in this run. */
  static String key(String runId, GuardKind guard, int i) {
    return runId + "-" + guard.label() + "-k" + i;
  }

  /** When the batch holding key {@code i} is released, after the start. */
  Duration releaseOf(int i) {
    return batchInterval.multipliedBy(i / batchSize);
  }

  List<String> toArgs() {
    List<String> args = new ArrayList<>();
    args.add(Integer.toString(client));
    args.add(runId);
    args.add(String.join(",", guards.stream().map(GuardKind::name).toList()));
    args.add(Integer.toString(threads));
    args.add(Integer.toString(keys));
    args.add(Integer.toString(batchSize));
    args.add(Long.toString(batchInterval.toMillis()));
    args.add(Long.toString(lease.toMillis()));
    args.add(Long.toString(action.toMillis()));
    args.add(Long.toString(keyDeadline.toMillis()));
    args.add(redisUri);
    args.add(jdbcUrl);
    args.add(results.toString());
    args.add(goFile.toString());
    return args;
  }

  static ClientSettings fromArgs(String[] a) {
    if (a.length != 14) {
      throw new IllegalArgumentException("expected 14 arguments, got " + List.of(a));
    }
    List<GuardKind> guards = new ArrayList<>();
    for (String g : a[2].split(",")) {
      guards.add(GuardKind.valueOf(g));
    }
    return new ClientSettings(Integer.parseInt(a[0]), a[1], guards, Integer.parseInt(a[3]), Integer.parseInt(a[4]),
        Integer.parseInt(a[5]), millis(a[6]), millis(a[7]), millis(a[8]), millis(a[9]), a[10], a[11],
        Path.of(a[12]), Path.of(a[13]));
  }

  private static Duration millis(String text) {
    return Duration.ofMillis(Long.parseLong(text));
  }
}
