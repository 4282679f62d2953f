package dev.lockkit.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The second process of {@link CrossProcessBenchmark}: two threads take the same lock through the same
 * contender in a loop until a stop file appears (or a hard time limit passes), then write how many
 * acquisitions they made and the longest single wait.
 */
public final class Rival {
  private Rival() {}

  /**
   * Runs the rival.
   *
   * @param args contender, lock name, stop file, stats file
   * @throws Exception if the contender fails
   */
  @SuppressWarnings("try") // the resource is held only to be released
  public static void main(String[] args) throws Exception {
    Contender contender = Contender.valueOf(args[0]);
    String name = args[1];
    Path stop = Path.of(args[2]);
    Path stats = Path.of(args[3]);
    long hardLimit = System.nanoTime() + 30 * 60 * 1_000_000_000L;
    AtomicLong acquisitions = new AtomicLong();
    AtomicLong maxWait = new AtomicLong();
    try (Contender.Instance instance = contender.create()) {
      LockHandle lock = instance.lock(name);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Thread t = new Thread(() -> {
          try {
            while (!Files.exists(stop) && System.nanoTime() - hardLimit < 0) {
              long start = System.nanoTime();
              try (AutoCloseable held = lock.acquire()) {
                maxWait.accumulateAndGet(System.nanoTime() - start, Math::max);
                acquisitions.incrementAndGet();
              }
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, "rival-" + i);
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
    }
    Files.writeString(stats, "acquisitions=" + acquisitions.get() + " maxWaitMs=" + maxWait.get() / 1_000_000 + "\n");
  }
}
