package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.servers.Servers;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many waiters: one client holds N distinct locks; a second client has N threads each waiting for one of
 * them; then all are released. Reports what the waiting client cost the server (connections, pub/sub
 * channels) and its own heap per waiting lock, and the wake-up latency from each release to its waiter
 * holding the lock. The shape in which the best-known peer's users report pub/sub connection exhaustion.
 *
 * <p>Arguments: comma-separated {@link Contender}s (default: the Redis locks), the Markdown file to write;
 * system property {@code waiters} (default 1000).
 */
public final class ScaleProbe {
  private static final Logger log = LoggerFactory.getLogger(ScaleProbe.class);

  private ScaleProbe() {}

  /**
   * Runs the probe.
   *
   * @param args contenders, output file
   * @throws Exception if a contender fails to connect
   */
  public static void main(String[] args) throws Exception {
    List<Contender> contenders = Probes.contenders(args.length > 0 ? args[0] : null, List.of(
        Contender.LOCKKIT_REDIS_LETTUCE, Contender.LOCKKIT_REDIS_JEDIS, Contender.REDISSON));
    Path out = Path.of(args.length > 1 ? args[1] : "target/bench/scale.md");
    int n = Integer.getInteger("waiters", 1000);
    try {
      StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
          "| contender | waiting locks | server connections of the waiting client | pub/sub channels | "
              + "heap per waiting lock | wake-up p50 | wake-up p99 | wake-up max | failed waiters |%n"
              + "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n"));
      for (Contender c : contenders) {
        md.append(measure(c, n));
      }
      Probes.write(out, md.toString());
      log.info("Scale table written to {}:\n{}", out.toAbsolutePath(), md);
    } finally {
      Servers.stopAll();
    }
  }

  @SuppressWarnings("try") // the resource is held only to be released
  static String measure(Contender contender, int n) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    String prefix = "probe/scale-" + UUID.randomUUID() + "/";
    try (RedisInfo info = new RedisInfo(Servers.redisUri()); Contender.Instance holder = contender.create()) {
      List<AutoCloseable> held = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        held.add(holder.lock(prefix + i).acquire());
      }
      int clientsBefore = info.connectedClients();
      int channelsBefore = info.channels();
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      AtomicLongArray acquiredAt = new AtomicLongArray(n);
      AtomicInteger failed = new AtomicInteger();
      AtomicInteger waiting = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(n);
      List<Thread> threads = new ArrayList<>();
      try (Contender.Instance waiterClient = contender.create()) {
        for (int i = 0; i < n; i++) {
          LockHandle lock = waiterClient.lock(prefix + i);
          int index = i;
          Thread t = new Thread(() -> {
            waiting.incrementAndGet();
            try (AutoCloseable mine = lock.acquire()) {
              acquiredAt.set(index, System.nanoTime());
            } catch (Exception e) {
              failed.incrementAndGet();
              log.debug("waiter {} failed", index, e);
            } finally {
              done.countDown();
            }
          }, "scale-waiter-" + i);
          t.setDaemon(true);
          t.start();
          threads.add(t);
        }
        // let every waiter subscribe and make its first attempt
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadline < 0 && !allBlocked(threads)) {
          TimeUnit.MILLISECONDS.sleep(50);
        }
        TimeUnit.SECONDS.sleep(1);
        System.gc();
        long heapPerWaiter = (memory.getHeapMemoryUsage().getUsed() - heapBefore) / n;
        int connections = info.connectedClients() - clientsBefore;
        int channels = info.channels() - channelsBefore;
        long[] releasedAt = new long[n];
        for (int i = 0; i < n; i++) {
          releasedAt[i] = System.nanoTime();
          held.get(i).close();
        }
        boolean finished = done.await(120, TimeUnit.SECONDS);
        List<Long> wakes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (acquiredAt.get(i) != 0) {
            wakes.add(acquiredAt.get(i) - releasedAt[i]);
          }
        }
        Percentiles p = new Percentiles(wakes.stream().mapToLong(Long::longValue).toArray());
        int failures = failed.get() + (finished ? 0 : (int) done.getCount());
        String row = String.format(Locale.ROOT, "| %s | %d | %d | %d | %,d B | %s | %s | %s | %d |%n", contender, n,
            connections, channels, heapPerWaiter, Percentiles.micros(p.at(50)), Percentiles.micros(p.at(99)),
            Percentiles.micros(p.at(100)), failures);
        log.info("{}", row.strip());
        return row;
      }
    }
  }

  private static boolean allBlocked(List<Thread> threads) {
    for (Thread t : threads) {
      Thread.State s = t.getState();
      if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING && s != Thread.State.TERMINATED) {
        return false;
      }
    }
    return true;
  }
}
