package dev.lockkit.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The second process of {@link CrossProcessBenchmark}: two threads take the same lock through the same
 * contender (so with the same cohorting setting) in a loop until a stop file appears (or a hard time limit
 * passes). Each thread first takes the lock once uncounted, so that connecting and loading scripts count as
 * no one's wait; then the ready file appears and counting starts. At the end the stats file gets
 * {@link Waits#summary}: acquisitions and the longest single wait of any thread. If a thread fails, the process
 * ends with that failure (exit status 1) and writes no stats file.
 */
public final class Rival {
  private static final int THREADS = 2;

  private Rival() {}

  /**
   * Runs the rival.
   *
   * @param args contender, lock name, stop file, stats file, ready file
   * @throws Exception if the contender cannot connect or a thread failed
   */
  @SuppressWarnings("try") // the resource is held only to be released
  public static void main(String[] args) throws Exception {
    Contender contender = Contender.valueOf(args[0]);
    String name = args[1];
    Path stop = Path.of(args[2]);
    Path stats = Path.of(args[3]);
    Path ready = Path.of(args[4]);
    long hardLimit = System.nanoTime() + 30 * 60 * 1_000_000_000L;
    List<Waits> waits = new ArrayList<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    CountDownLatch warm = new CountDownLatch(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    try (Contender.Instance instance = contender.create()) {
      LockHandle lock = instance.lock(name);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        Waits mine = new Waits();
        waits.add(mine);
        Thread t = new Thread(() -> {
          try {
            try (AutoCloseable first = lock.acquire()) {
              warm.countDown();
            }
            go.await();
            while (!Files.exists(stop) && System.nanoTime() - hardLimit < 0) {
              long start = System.nanoTime();
              try (AutoCloseable held = lock.acquire()) {
                mine.acquired(System.nanoTime() - start);
              }
            }
          } catch (Exception e) {
            failure.compareAndSet(null, e);
            warm.countDown(); // do not leave main waiting for a thread that is gone
          }
        }, "rival-" + i);
        t.setDaemon(true); // a failure ends the process even if the other thread is stuck
        t.start();
        threads.add(t);
      }
      warm.await();
      if (failure.get() != null) {
        throw new IllegalStateException("a rival thread failed before the rival was ready", failure.get());
      }
      go.countDown();
      Files.createFile(ready);
      for (Thread t : threads) {
        t.join();
      }
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a rival thread failed", failure.get());
    }
    Files.writeString(stats, Waits.summary(waits) + "\n");
  }
}
