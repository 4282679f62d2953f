package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hand-off latency: one client holds a lock while a second client waits for it; the holder releases; how
 * long until the waiter holds it? Repeated, for each contender, and set against the server's own PING
 * round trip measured in the same run: by a Lettuce connection in a busy loop, by the same connection after the
 * idle gap a hand-off also starts from, and, where on PATH, by {@code redis-benchmark}.
 *
 * <p>Arguments: a comma-separated list of {@link Contender}s (default: the Redis and ZooKeeper locks), the
 * Markdown file to write; system property {@code rounds} (default 300).
 */
public final class HandoffProbe {
  private static final Logger log = LoggerFactory.getLogger(HandoffProbe.class);
  /** How long the holder sits before each release, so that the waiter is waiting, not racing it. */
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(3);

  private HandoffProbe() {}

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null, List.of(
        Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_JEDIS, Contender.REDISSON,
        Contender.LOCKKIT_ZOOKEEPER, Contender.CURATOR));
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/handoff.md");
    int rounds = Integer.getInteger("rounds", 300);
    try {
      StringBuilder md = new StringBuilder();
      long pingP50;
      long pingP99;
      Percentiles idle;
      double @Nullable [] bench;
      try (RedisInfo info = new RedisInfo(Servers.redisUri())) {
        info.pingNanos(2000, 0);
        Percentiles ping = new Percentiles(info.pingNanos(5000, 0));
        pingP50 = ping.at(50);
        pingP99 = ping.at(99);
        idle = new Percentiles(info.pingNanos(Math.max(100, rounds), IDLE_NANOS));
        bench = info.redisBenchmarkMicros();
      }
      md.append(String.format(Locale.ROOT, "Redis PING round trip (Lettuce, 1 connection): busy loop p50 %s, p99 %s; "
          + "after %d ms idle (as each hand-off starts) p50 %s, p99 %s; redis-benchmark -c 1: %s%n%n",
          Percentiles.micros(pingP50), Percentiles.micros(pingP99), TimeUnit.NANOSECONDS.toMillis(IDLE_NANOS),
          Percentiles.micros(idle.at(50)), Percentiles.micros(idle.at(99)),
          bench == null ? "n/a" : String.format(Locale.ROOT, "p50 %.0f µs, p99 %.0f µs", bench[0], bench[1])));
      md.append("| contender | hand-offs | p50 | p99 | p99.9 | max | p99 / busy PING p50 | p99 / redis-benchmark p99 "
          + "| p50 / idle PING p50 | p99 / idle PING p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Contender c : contenders) {
        Percentiles p = measure(c, rounds);
        md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %.1f | %s | %.1f | %.1f |%n", c,
            p.count(), Percentiles.micros(p.at(50)), Percentiles.micros(p.at(99)), Percentiles.micros(p.at(99.9)),
            Percentiles.micros(p.at(100)), (double) p.at(99) / pingP50,
            bench == null ? "n/a" : String.format(Locale.ROOT, "%.1f", p.at(99) / 1000.0 / bench[1]),
            (double) p.at(50) / idle.at(50), (double) p.at(99) / idle.at(99)));
        log.info("{}: hand-off p50 {} p99 {}", c, Percentiles.micros(p.at(50)), Percentiles.micros(p.at(99)));
      }
      Probes.write(out, md.toString());
      log.info("Hand-off table written to {}:\n{}", out.toAbsolutePath(), md);
    } finally {
      Servers.stopAll();
    }
  }

  @SuppressWarnings("try") // the resource is held only to be released
  static Percentiles measure(Contender contender, int rounds) throws Exception {
    int warmup = Math.max(10, rounds / 5);
    long[] handoffs = new long[rounds];
    ExecutorService waiterThread = Executors.newSingleThreadExecutor();
    try (Contender.Instance holderClient = contender.create(); Contender.Instance waiterClient = contender.create()) {
      String name = "probe/handoff-" + UUID.randomUUID();
      LockHandle holder = holderClient.lock(name);
      LockHandle waiter = waiterClient.lock(name);
      for (int i = -warmup; i < rounds; i++) {
        AutoCloseable held = holder.acquire();
        AtomicReference<Thread> blocked = new AtomicReference<>();
        Future<Long> acquiredAt = waiterThread.submit(() -> {
          blocked.set(Thread.currentThread());
          try (AutoCloseable mine = waiter.acquire()) {
            return System.nanoTime();
          }
        });
        Probes.awaitBlocked(blocked, 10);
        // let the waiter's first attempt come back, so that it is waiting for the release, not racing it
        LockSupport.parkNanos(IDLE_NANOS);
        long releasedAt = System.nanoTime();
        held.close();
        long handoff = acquiredAt.get(30, TimeUnit.SECONDS) - releasedAt;
        if (i >= 0) {
          handoffs[i] = handoff;
        }
      }
    } finally {
      waiterThread.shutdownNow();
    }
    return new Percentiles(handoffs);
  }
}
