package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.LockHandle;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timed run of {@link CycleProbe}: one daemon thread per lock handle, each taking and releasing its own lock
 * back to back until the run's time is up, every cycle's latency recorded. Also what the run cost this JVM: its
 * CPU time and the bytes its live threads allocated, per cycle, and, where its pid is given, the server's CPU time
 * per cycle ({@link CycleServerCpu}).
 */
final class CycleRun {
  private static final Logger log = LoggerFactory.getLogger(CycleRun.class);
  /** How long past its planned end a run may take before the watchdog fails it, and how long to start threads. */
  static final Duration GRACE = Duration.ofSeconds(30);
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private CycleRun() {}

  /**
   * What one run measured.
   *
   * @param cycles acquire+release cycles of all threads
   * @param opsPerSecond cycles per second of the run's wall-clock time
   * @param p50Nanos median latency of one cycle
   * @param p99Nanos 99th percentile latency of one cycle
   * @param cpuNanosPerCycle this process's CPU time per cycle, NaN where the JVM does not tell
   * @param allocBytesPerCycle bytes allocated by live threads per cycle (approximate), NaN where not supported
   * @param serverCpuNanosPerCycle the server process's CPU time per cycle, NaN where its pid is not known
   */
  record Result(long cycles, double opsPerSecond, long p50Nanos, long p99Nanos, double cpuNanosPerCycle,
                double allocBytesPerCycle, double serverCpuNanosPerCycle) {}

  /** One thread's latencies, in a preallocated array that grows (rarely: sized from the previous run) when full. */
  static final class Recorder {
    long[] nanos;
    int count;
    long endNanos;
    /** Set when the thread leaves its loop, normally or not: a thread without it is stuck in a cycle. */
    volatile boolean done;

    Recorder(int capacity) {
      nanos = new long[capacity];
    }

    void add(long value) {
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, nanos.length * 2);
      }
      nanos[count++] = value;
    }
  }

  /**
   * Runs {@code locks.size()} threads, each on its own lock, for {@code length}.
   *
   * @param label names the run in threads and messages
   * @param locks one lock per thread
   * @param length how long the threads cycle
   * @param capacity latencies preallocated per thread
   * @return what was measured
   * @throws IllegalStateException if a thread failed, or a thread was still in a cycle {@link #GRACE} after the
   *     planned end (its stack logged; the threads are interrupted and left behind, daemons)
   * @throws InterruptedException if interrupted while waiting for the threads
   */
  static Result run(String label, List<LockHandle> locks, Duration length, int capacity) throws InterruptedException {
    return run(label, locks, length, capacity, GRACE, -1);
  }

  /** {@link #run(String, List, Duration, int)} with the watchdog's {@code grace} given. */
  static Result run(String label, List<LockHandle> locks, Duration length, int capacity, Duration grace)
      throws InterruptedException {
    return run(label, locks, length, capacity, grace, -1);
  }

  /**
   * {@link #run(String, List, Duration, int)} with the watchdog's {@code grace} given, and the pid of the server
   * whose CPU time per cycle to measure (-1 for none).
   */
  static Result run(String label, List<LockHandle> locks, Duration length, int capacity, Duration grace,
      long serverPid) throws InterruptedException {
    int n = locks.size();
    long lengthNanos = length.toNanos();
    Recorder[] recorders = new Recorder[n];
    Thread[] threads = new Thread[n];
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(n);
    CountDownLatch exit = new CountDownLatch(1);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[] startNanos = new long[1];
    for (int i = 0; i < n; i++) {
      Recorder rec = new Recorder(capacity);
      LockHandle lock = locks.get(i);
      recorders[i] = rec;
      threads[i] = new Thread(() -> {
        try {
          ready.countDown();
          start.await();
          long deadline = startNanos[0] + lengthNanos; // published by the latch
          long now = System.nanoTime();
          while (!stop.get()) {
            long begin = now;
            lock.acquire().close();
            now = System.nanoTime();
            rec.add(now - begin);
            if (now - deadline >= 0) {
              break;
            }
          }
          rec.endNanos = now;
        } catch (Throwable e) { // a lock library's failure ends the run, reported, not the probe
          failure.compareAndSet(null, e);
          stop.set(true);
        } finally {
          rec.done = true;
          finished.countDown();
        }
        try {
          exit.await(); // alive until the allocation counters are read: a dead thread's count is gone
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "cycle-" + label + "-" + i);
      threads[i].setDaemon(true);
    }
    System.gc(); // the previous run's garbage is collected on no one's account
    try {
      for (Thread t : threads) {
        t.start();
      }
      if (!ready.await(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(label + ": the threads did not start within " + grace.toSeconds() + " s");
      }
      Map<Long, Long> allocatedBefore = allocatedBytes();
      long cpuBefore = OS.getProcessCpuTime();
      long serverBefore = CycleServerCpu.cpuNanos(serverPid);
      startNanos[0] = System.nanoTime();
      start.countDown();
      if (!finished.await(lengthNanos + grace.toNanos(), TimeUnit.NANOSECONDS)) {
        stop.set(true);
        for (int i = 0; i < n; i++) {
          if (!recorders[i].done) {
            Throwable stack = new Throwable("stack of " + threads[i].getName());
            stack.setStackTrace(threads[i].getStackTrace());
            log.error("{}: a thread still in its lock cycle", label, stack);
            break;
          }
        }
        throw new IllegalStateException(String.format("%s: %d of %d threads still in a lock cycle %d s after the "
            + "run's planned end (stuck; one stack logged)", label, finished.getCount(), n, grace.toSeconds()));
      }
      long cpuAfter = OS.getProcessCpuTime();
      long serverAfter = CycleServerCpu.cpuNanos(serverPid);
      double allocated = allocatedSince(allocatedBefore);
      Throwable failed = failure.get();
      if (failed != null) {
        throw new IllegalStateException(label + ": a thread's lock cycle failed: " + failed, failed);
      }
      double server = serverBefore < 0 || serverAfter < 0 ? Double.NaN : serverAfter - serverBefore;
      return result(recorders, startNanos[0], cpuBefore, cpuAfter, allocated, server);
    } finally {
      exit.countDown();
      for (Thread t : threads) {
        t.interrupt(); // wakes one stuck in a library's wait, if it listens; the others are past it
      }
    }
  }

  private static Result result(Recorder[] recorders, long start, long cpuBefore, long cpuAfter, double allocated,
      double serverCpu) {
    long end = start;
    int total = 0;
    for (Recorder r : recorders) {
      end = Math.max(end, r.endNanos);
      total += r.count;
    }
    long[] all = new long[total];
    int at = 0;
    for (Recorder r : recorders) {
      System.arraycopy(r.nanos, 0, all, at, r.count);
      at += r.count;
    }
    Percentiles p = new Percentiles(all);
    double perCycle = total == 0 ? Double.NaN : 1.0 / total;
    return new Result(total, total * 1e9 / Math.max(1, end - start), p.at(50), p.at(99),
        cpuBefore < 0 || cpuAfter < 0 ? Double.NaN : (cpuAfter - cpuBefore) * perCycle, allocated * perCycle,
        serverCpu * perCycle);
  }

  /** Bytes allocated so far by each live thread, by thread id; empty where the JVM does not count them. */
  private static Map<Long, Long> allocatedBytes() {
    Map<Long, Long> out = new HashMap<>();
    if (!THREADS.isThreadAllocatedMemorySupported()) {
      return out;
    }
    if (!THREADS.isThreadAllocatedMemoryEnabled()) {
      THREADS.setThreadAllocatedMemoryEnabled(true);
    }
    long[] ids = THREADS.getAllThreadIds();
    long[] bytes = THREADS.getThreadAllocatedBytes(ids);
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] >= 0) {
        out.put(ids[i], bytes[i]);
      }
    }
    return out;
  }

  /**
   * Bytes the live threads allocated since {@code before}: a thread started since counts from zero, one that ended
   * since is missed (so approximate), NaN where not supported.
   */
  private static double allocatedSince(Map<Long, Long> before) {
    if (before.isEmpty()) {
      return Double.NaN;
    }
    long sum = 0;
    for (Map.Entry<Long, Long> e : allocatedBytes().entrySet()) {
      sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    return sum;
  }

  /**
   * Runs {@code task} on a daemon thread and waits at most {@code limit} for it: connecting or closing a client of a
   * lock library that hangs then fails the probe's step instead of the probe.
   *
   * @param what names the task in the message
   * @param limit how long to wait
   * @param task the task
   * @param <T> what it returns
   * @return what it returned
   * @throws IllegalStateException if it failed or did not end within {@code limit}
   * @throws InterruptedException if interrupted while waiting
   */
  static <T> T bounded(String what, Duration limit, Callable<T> task) throws InterruptedException {
    FutureTask<T> future = new FutureTask<>(task);
    Thread t = new Thread(future, "cycle-" + what);
    t.setDaemon(true);
    t.start();
    try {
      return future.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      t.interrupt();
      throw new IllegalStateException(what + " did not end within " + limit.toSeconds() + " s", e);
    }
  }
}
