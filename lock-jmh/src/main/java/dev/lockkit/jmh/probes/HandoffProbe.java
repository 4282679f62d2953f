package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hand-off latency: one client holds a lock while a second client waits for it; the holder releases; how
 * long until the waiter holds it? Repeated, for each contender and for two floors on raw Lettuce, no lock library:
 * the wake floor ({@link WakeFloor}: a release frees the lock and wakes the waiter, which asks again; two server
 * visits, as most Redis locks hand off) and the grant floor ({@link GrantFloor}: a release hands the lock to the
 * queued waiter; one visit, as lockkit's); where a ZooKeeper contender is measured, also ZooKeeper's wake floor
 * ({@link ZooKeeperWakeFloor}: the documented recipe on the raw handle), against which the ZooKeeper rows are set;
 * and set against the Redis server's own PING round trip
 * measured in the same run: by a Lettuce connection after the idle gap a hand-off also starts from, and, where
 * on PATH, by {@code redis-benchmark}.
 *
 * <p>Each contender first runs {@code warmup} hand-offs with a short gap, so that what is measured is compiled
 * code, not the JIT at work on two cores; then the contenders take turns, {@code passes} times, each pass starting
 * with the next one, so that the machine's drift spreads over all of them alike.
 *
 * <p>Arguments: a comma-separated list of {@link Contender}s (default: the Redis and ZooKeeper locks and
 * {@link Contender#FLOOR_LETTUCE}), the Markdown file to write; system properties {@code rounds} (measured
 * hand-offs per contender, default 300), {@code warmup} (default 3000), {@code passes} (default 3). The table counts
 * hand-offs that never came ("stuck") apart from the measured ones.
 */
public final class HandoffProbe {
  private static final Logger log = LoggerFactory.getLogger(HandoffProbe.class);
  /** How long the holder sits before each measured release, so that the waiter is waiting, not racing it. */
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(3);
  /** The holder's gap in warm-up rounds: enough to run the waiting path, short enough to run it often. */
  private static final long WARMUP_IDLE_NANOS = TimeUnit.MICROSECONDS.toNanos(300);
  private static final String WAKE_FLOOR = "wake floor (raw Lettuce)";
  private static final String GRANT_FLOOR = "grant floor (raw Lettuce)";
  private static final String ZOOKEEPER_WAKE_FLOOR = "wake floor (raw ZooKeeper)";
  /** A waiter not holding the lock this long after the release is stuck. */
  private static final int STUCK_SECONDS = 30;

  private HandoffProbe() {}

  /** Creates a connected client of one contender. */
  @FunctionalInterface
  interface Clients {
    Contender.Instance create() throws Exception;
  }

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null, List.of(
        Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_JEDIS, Contender.REDISSON, Contender.FLOOR_LETTUCE,
        Contender.LOCKKIT_ZOOKEEPER, Contender.CURATOR));
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/handoff.md");
    int rounds = Integer.getInteger("rounds", 300);
    int warmup = Integer.getInteger("warmup", 3000);
    int passes = Math.max(1, Integer.getInteger("passes", 3));
    try {
      Map<String, Clients> all = new LinkedHashMap<>();
      all.put(WAKE_FLOOR, WakeFloor::new);
      all.put(GRANT_FLOOR, GrantFloor::new);
      if (contenders.stream().anyMatch(c -> zooKeeper(c.name()))) {
        all.put(ZOOKEEPER_WAKE_FLOOR, ZooKeeperWakeFloor::new);
      }
      for (Contender c : contenders) {
        all.put(c.name(), c::create);
      }
      Map<String, List<Long>> measured = new LinkedHashMap<>();
      Map<String, Integer> stuck = new LinkedHashMap<>();
      for (Map.Entry<String, Clients> e : all.entrySet()) {
        log.info("{}: {} warm-up hand-offs", e.getKey(), warmup);
        stuck.put(e.getKey(), measure(e.getValue(), 0, warmup).stuck());
        measured.put(e.getKey(), new ArrayList<>());
      }
      List<Map.Entry<String, Clients>> order = new ArrayList<>(all.entrySet());
      for (int pass = 0; pass < passes; pass++) {
        for (int j = 0; j < order.size(); j++) {
          Map.Entry<String, Clients> e = order.get((j + pass) % order.size()); // each pass starts one later
          int n = rounds / passes + (pass < rounds % passes ? 1 : 0);
          Handoffs h = measure(e.getValue(), n, Math.min(warmup, 50));
          for (long nanos : h.nanos()) {
            measured.get(e.getKey()).add(nanos);
          }
          stuck.merge(e.getKey(), h.stuck(), Integer::sum);
        }
      }
      Percentiles idle;
      double @Nullable [] bench;
      try (RedisInfo info = new RedisInfo(Servers.redisUri())) {
        info.pingNanos(2000, 0);
        idle = new Percentiles(info.pingNanos(Math.max(300, rounds), IDLE_NANOS));
        bench = info.redisBenchmarkMicros();
      }
      Percentiles floor = new Percentiles(toArray(measured.get(WAKE_FLOOR)));
      Percentiles grantFloor = new Percentiles(toArray(measured.get(GRANT_FLOOR)));
      Percentiles zooKeeperFloor = new Percentiles(toArray(measured.getOrDefault(ZOOKEEPER_WAKE_FLOOR, List.of())));
      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Redis PING round trip: after %d ms idle (as each hand-off starts; Lettuce, "
          + "1 connection) p50 %s, p99 %s; redis-benchmark -c 1 (back to back): %s%n%n",
          TimeUnit.NANOSECONDS.toMillis(IDLE_NANOS), Percentiles.micros(idle.at(50)), Percentiles.micros(idle.at(99)),
          bench == null ? "n/a" : String.format(Locale.ROOT, "p50 %.0f µs, p99 %.0f µs", bench[0], bench[1])));
      if (measured.containsKey(ZOOKEEPER_WAKE_FLOOR)) {
        md.append("The ZooKeeper rows are set against ZooKeeper's wake floor, the others against Lettuce's floors.\n\n");
      }
      md.append("| contender | hand-offs | stuck | p50 | p99 | p99.9 | max | p99 / redis-benchmark p99 | p99 / idle PING p99 "
          + "| p50 / wake floor p50 | p99 / wake floor p99 | p50 / grant floor p50 | p99 / grant floor p99 |\n"
          + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Map.Entry<String, List<Long>> e : measured.entrySet()) {
        Percentiles p = new Percentiles(toArray(e.getValue()));
        boolean zooKeeper = zooKeeper(e.getKey());
        long wake50 = (zooKeeper ? zooKeeperFloor : floor).at(50);
        long wake99 = (zooKeeper ? zooKeeperFloor : floor).at(99);
        long grant50 = zooKeeper ? 0 : grantFloor.at(50);
        long grant99 = zooKeeper ? 0 : grantFloor.at(99);
        md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
            e.getKey(), p.count(), stuck.get(e.getKey()), Percentiles.micros(p.at(50)), Percentiles.micros(p.at(99)), Percentiles.micros(p.at(99.9)),
            Percentiles.micros(p.at(100)),
            bench == null || p.count() == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", p.at(99) / 1000.0 / bench[1]),
            ratio(p.at(99), idle.at(99), 1), ratio(p.at(50), wake50, 2), ratio(p.at(99), wake99, 2),
            ratio(p.at(50), grant50, 2), ratio(p.at(99), grant99, 2)));
        log.info("{}: hand-off p50 {} p99 {}", e.getKey(), Percentiles.micros(p.at(50)), Percentiles.micros(p.at(99)));
      }
      Probes.write(out, md.toString());
      log.info("Hand-off table written to {}:\n{}", out.toAbsolutePath(), md);
    } finally {
      Servers.stopAll();
    }
  }

  /** Whether a row is a ZooKeeper lock, set against ZooKeeper's floor. */
  private static boolean zooKeeper(String name) {
    return name.equals(ZOOKEEPER_WAKE_FLOOR) || name.contains("ZOOKEEPER") || name.startsWith("CURATOR");
  }

  /** {@code a / b} with {@code digits} decimals, or n/a where nothing was measured. */
  private static String ratio(long a, long b, int digits) {
    return a == 0 || b == 0 ? "n/a" : String.format(Locale.ROOT, "%." + digits + "f", (double) a / b);
  }

  private static long[] toArray(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  /** The hand-offs measured, in nanoseconds, and how many never came within {@link #STUCK_SECONDS}. */
  record Handoffs(long[] nanos, int stuck) {}

  /** {@code rounds} measured hand-offs of a contender, after {@code warmup} unmeasured ones with a short gap. */
  static Handoffs measure(Contender contender, int rounds, int warmup) throws Exception {
    return measure(contender::create, rounds, warmup);
  }

  /**
   * {@code rounds} measured hand-offs between two new clients, after {@code warmup} unmeasured ones with a short
   * gap. A hand-off that does not come ends the run: the waiter still waiting {@link #STUCK_SECONDS} after the
   * release, the holder not getting the free lock within that time, or either failing. It is counted as stuck,
   * the waiting thread's stack or the failure logged, and the clients closed (a lock library's hang or error,
   * reported, not the probe's).
   */
  @SuppressWarnings("try") // the resource is held only to be released
  static Handoffs measure(Clients clients, int rounds, int warmup) throws Exception {
    long[] handoffs = new long[rounds];
    int measured = 0;
    ExecutorService holderThread = Executors.newSingleThreadExecutor(Probes.daemonThreads("handoff-holder"));
    ExecutorService waiterThread = Executors.newSingleThreadExecutor(Probes.daemonThreads("handoff-waiter"));
    try (Contender.Instance holderClient = clients.create(); Contender.Instance waiterClient = clients.create()) {
      String name = "probe/handoff-" + UUID.randomUUID();
      LockHandle holder = holderClient.lock(name);
      LockHandle waiter = waiterClient.lock(name);
      for (int i = -warmup; i < rounds; i++) {
        AtomicReference<Thread> holding = new AtomicReference<>();
        Future<AutoCloseable> taken = holderThread.submit(() -> {
          holding.set(Thread.currentThread());
          return holder.acquire();
        });
        AutoCloseable held = within(taken, holding, "the holder's acquisition of the free lock " + name, i);
        if (held == null) {
          return new Handoffs(Arrays.copyOf(handoffs, measured), 1);
        }
        AtomicReference<Thread> blocked = new AtomicReference<>();
        Future<Long> acquiredAt = waiterThread.submit(() -> {
          blocked.set(Thread.currentThread());
          try (AutoCloseable mine = waiter.acquire()) {
            return System.nanoTime();
          }
        });
        try {
          Probes.awaitBlocked(blocked, STUCK_SECONDS);
        } catch (IllegalStateException e) {
          log.warn("hand-off {} of lock {}: {}", i, name, e.getMessage());
          within(holderThread.submit(() -> {
            held.close();
            return null;
          }), holding, "the release of " + name, i);
          return new Handoffs(Arrays.copyOf(handoffs, measured), 1);
        }
        // the holder thread releases (some locks belong to the thread that took them), after letting the waiter's
        // first attempt come back, so that the waiter is waiting for the release, not racing it
        long gap = i < 0 ? WARMUP_IDLE_NANOS : IDLE_NANOS;
        Future<Long> releasedAt = holderThread.submit(() -> {
          LockSupport.parkNanos(gap);
          long at = System.nanoTime();
          held.close();
          return at;
        });
        // the waiter's first, so that this thread wakes once, after the hand-off; a release that hangs shows as
        // the waiter stuck, so the holder's stack is logged then too
        Long acquired = within(acquiredAt, blocked, "the waiter's acquisition after the release of " + name, i);
        if (acquired == null && !releasedAt.isDone()) {
          log.warn("hand-off {}: the release of {} has not returned either; the holder's stack:\n{}", i, name,
              stack(holding.get()));
        }
        Long released = acquired == null ? null : within(releasedAt, holding, "the release of " + name, i);
        if (acquired == null || released == null) {
          return new Handoffs(Arrays.copyOf(handoffs, measured), 1);
        }
        if (i >= 0) {
          handoffs[measured++] = acquired - released;
        }
      }
    } finally {
      holderThread.shutdownNow();
      waiterThread.shutdownNow();
    }
    return new Handoffs(handoffs, 0);
  }

  /**
   * The answer of {@code step} within {@link #STUCK_SECONDS}, or null if it failed or did not come: logged with
   * the failure or the stack of {@code thread}, which is still waiting.
   */
  private static <T> @Nullable T within(Future<T> step, AtomicReference<Thread> thread, String what, int handoff)
      throws InterruptedException {
    try {
      return step.get(STUCK_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      log.warn("hand-off {}: {} failed", handoff, what, e.getCause());
    } catch (TimeoutException e) {
      log.warn("hand-off {} stuck: {} still waits after {} s; its stack:\n{}", handoff, what, STUCK_SECONDS,
          stack(thread.get()));
    }
    return null;
  }

  private static String stack(@Nullable Thread t) {
    return t == null ? "?" : Arrays.stream(t.getStackTrace()).map(f -> "  at " + f).collect(Collectors.joining("\n"));
  }
}
