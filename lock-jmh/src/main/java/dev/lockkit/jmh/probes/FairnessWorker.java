package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process of {@link FairnessProbe}: {@value #THREADS} threads take one lock through one client of the
 * contender, in a loop: a timed acquire, a hold of {@code workMillis} (sleeping, as I/O would), the release.
 *
 * <p>Each thread first takes the lock once, uncounted (connecting, loading scripts, the JIT), then the process
 * writes its ready file and waits for the probe's go file; from then on each thread counts its acquisitions, its
 * timeouts (the timed acquire gave up) and its longest wait (from asking to holding, or to giving up), until the
 * stop file appears or {@code seconds} have passed since go. The process then writes its stats file
 * ({@link Stats}) and exits. A thread whose lock library throws stops and its failure is in the stats file; a
 * thread that does not stop within {@value #JOIN_SECONDS} s of the end is reported there too. With no go
 * within {@value #GO_SECONDS} s the process gives up with no stats file.
 */
public final class FairnessWorker {
  /** Threads per process, all on one client. */
  static final int THREADS = 2;

  private static final Logger log = LoggerFactory.getLogger(FairnessWorker.class);
  private static final int GO_SECONDS = 300;
  private static final int JOIN_SECONDS = 60;

  private FairnessWorker() {}

  /** What a process saw, as its stats file holds it. */
  record Stats(long acquisitions, long timeouts, long maxWaitNanos, String errors) {
    static Stats read(Path file) throws IOException {
      Properties p = new Properties();
      try (java.io.Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      }
      return new Stats(Long.parseLong(p.getProperty("acquisitions")), Long.parseLong(p.getProperty("timeouts")),
          Long.parseLong(p.getProperty("maxWaitNanos")), p.getProperty("errors", ""));
    }

    void write(Path file) throws IOException {
      Properties p = new Properties();
      p.setProperty("acquisitions", Long.toString(acquisitions));
      p.setProperty("timeouts", Long.toString(timeouts));
      p.setProperty("maxWaitNanos", Long.toString(maxWaitNanos));
      p.setProperty("errors", errors);
      // written beside and moved: the probe never reads half a file
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp)) {
        p.store(out, null);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** One thread's counts: written by that thread only, read once it has stopped (or given up on). */
  private static final class Counts {
    volatile long acquisitions;
    volatile long timeouts;
    volatile long maxWaitNanos;
    volatile @Nullable Exception failure;

    void waited(long nanos) {
      if (nanos > maxWaitNanos) {
        maxWaitNanos = nanos;
      }
    }
  }

  /**
   * Runs the process.
   *
   * @param args contender, lock name, directory of the ready, go, stop and stats files, this process's number,
   *     seconds to count, milliseconds of work per hold, the timed acquire's bound in milliseconds
   * @throws Exception if the contender cannot connect, a warm-up acquisition fails, or no go came
   */
  @SuppressWarnings("try") // the resource is held only to be released
  public static void main(String[] args) throws Exception {
    Contender contender = Contender.valueOf(args[0]);
    String name = args[1];
    Path dir = Path.of(args[2]);
    int id = Integer.parseInt(args[3]);
    long countNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
    long workMillis = Long.parseLong(args[5]);
    Duration maxWait = Duration.ofMillis(Long.parseLong(args[6]));
    Path stop = FairnessProbe.stopFile(dir);
    Path go = FairnessProbe.goFile(dir);
    List<Counts> counts = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicReference<@Nullable Exception> warmUpFailure = new AtomicReference<>();
    CountDownLatch warm = new CountDownLatch(THREADS);
    CountDownLatch started = new CountDownLatch(1);
    long[] end = new long[1]; // set before started opens, read after: the latch orders it
    try (Contender.Instance instance = contender.create()) {
      LockHandle lock = instance.lock(name);
      for (int i = 0; i < THREADS; i++) {
        Counts mine = new Counts();
        counts.add(mine);
        Thread t = new Thread(() -> {
          try {
            try (AutoCloseable first = lock.tryAcquire(Duration.ofSeconds(GO_SECONDS))) {
              if (first == null) {
                throw new IllegalStateException("the warm-up acquisition got no lock within " + GO_SECONDS + " s");
              }
            }
          } catch (Exception e) {
            warmUpFailure.compareAndSet(null, e);
            warm.countDown();
            return;
          }
          warm.countDown();
          try {
            started.await();
            while (!Files.exists(stop) && System.nanoTime() - end[0] < 0) {
              long asked = System.nanoTime();
              try (AutoCloseable held = lock.tryAcquire(maxWait)) {
                mine.waited(System.nanoTime() - asked);
                if (held == null) {
                  mine.timeouts = mine.timeouts + 1; // one writer: no lost update
                } else {
                  mine.acquisitions = mine.acquisitions + 1;
                  if (workMillis > 0) {
                    Thread.sleep(workMillis);
                  }
                }
              }
            }
          } catch (Exception e) {
            log.error("worker {}: a thread failed", id, e);
            mine.failure = e;
          }
        }, "fairness-" + id + "-" + i);
        t.setDaemon(true); // a stuck lock library does not keep the process from reporting and exiting
        t.start();
        threads.add(t);
      }
      warm.await();
      if (warmUpFailure.get() != null) {
        throw new IllegalStateException("worker " + id + ": the warm-up failed", warmUpFailure.get());
      }
      Files.createFile(FairnessProbe.readyFile(dir, id));
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(GO_SECONDS);
      while (!Files.exists(go)) {
        if (System.nanoTime() - giveUp > 0 || Files.exists(stop)) {
          throw new IllegalStateException("worker " + id + ": no go file within " + GO_SECONDS + " s");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      end[0] = System.nanoTime() + countNanos;
      started.countDown();
      StringBuilder errors = new StringBuilder();
      long joinBy = end[0] + TimeUnit.SECONDS.toNanos(JOIN_SECONDS);
      for (Thread t : threads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
        if (t.isAlive()) {
          errors.append(t.getName()).append(" did not stop within ").append(JOIN_SECONDS).append(" s; ");
          log.error("worker {}: {} still runs at the end; its stack:\n{}", id, t.getName(), stack(t));
        }
      }
      long acquisitions = 0;
      long timeouts = 0;
      long maxWaitNanos = 0;
      for (Counts c : counts) {
        acquisitions += c.acquisitions;
        timeouts += c.timeouts;
        maxWaitNanos = Math.max(maxWaitNanos, c.maxWaitNanos);
        Exception failure = c.failure;
        if (failure != null) {
          errors.append(failure).append("; ");
        }
      }
      // before the client closes: what was counted is kept even if closing hangs or fails
      new Stats(acquisitions, timeouts, maxWaitNanos, errors.toString().strip()).write(
          FairnessProbe.statsFile(dir, id));
    }
  }

  private static String stack(Thread t) {
    StringBuilder out = new StringBuilder();
    for (StackTraceElement e : t.getStackTrace()) {
      out.append("  at ").append(e).append('\n');
    }
    return out.toString();
  }
}
