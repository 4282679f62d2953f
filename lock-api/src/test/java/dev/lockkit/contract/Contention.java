package dev.lockkit.contract;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A contention workload: each given lock object (one per client) is hammered by several threads, each taking
 * the lock a number of times and doing a non-atomic read-modify-write of a shared counter inside. Every
 * critical section goes into a {@link History}; a second holder inside at the same time is also caught at
 * once by an occupancy counter. Ends by itself: each acquisition waits at most {@code maxWait}, and the whole
 * run at most {@code deadline}.
 */
public final class Contention {
  /** What a run observed. */
  public record Result(History history, int counter, int maxOccupancy, List<Throwable> failures) {}

  private Contention() {}

  /** Runs {@code threadsPerLock} threads on each lock, {@code iterations} acquisitions each. */
  public static Result run(List<DistributedLock> locks, int threadsPerLock, int iterations, Duration maxWait,
      Duration deadline) throws InterruptedException {
    return run(locks, threadsPerLock, iterations, maxWait, deadline, Duration.ZERO);
  }

  /** As {@link #run(List, int, int, Duration, Duration)}, with {@code work} of busy spinning per section. */
  public static Result run(List<DistributedLock> locks, int threadsPerLock, int iterations, Duration maxWait,
      Duration deadline, Duration work) throws InterruptedException {
    long workNanos = work.toNanos();
    History history = new History();
    AtomicInteger occupancy = new AtomicInteger();
    AtomicInteger maxOccupancy = new AtomicInteger();
    // volatile reads and writes, but a non-atomic increment: overlapping holders lose updates
    AtomicInteger counter = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(locks.size() * threadsPerLock);
    List<Future<?>> futures = new ArrayList<>();
    for (int c = 0; c < locks.size(); c++) {
      DistributedLock lock = locks.get(c);
      for (int t = 0; t < threadsPerLock; t++) {
        String holder = "client" + c + "/thread" + t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < iterations; i++) {
            try (Lease lease = lock.acquire(maxWait)) {
              long start = System.nanoTime();
              int inside = occupancy.incrementAndGet();
              maxOccupancy.accumulateAndGet(inside, Math::max);
              int read = counter.get();
              long spinUntil = System.nanoTime() + workNanos;
              do {
                Thread.onSpinWait();
              } while (System.nanoTime() - spinUntil < 0);
              Thread.yield();
              counter.set(read + 1);
              occupancy.decrementAndGet();
              history.record(holder, lease.fencingToken(), start, System.nanoTime());
            }
          }
          return null;
        }));
      }
    }
    pool.shutdown();
    List<Throwable> failures = new ArrayList<>();
    if (!pool.awaitTermination(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      pool.shutdownNow();
      failures.add(new AssertionError("contention run did not finish within " + deadline));
    }
    for (Future<?> f : futures) {
      if (f.isDone()) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
          failures.add(e);
        }
      }
    }
    return new Result(history, counter.get(), maxOccupancy.get(), failures);
  }
}
