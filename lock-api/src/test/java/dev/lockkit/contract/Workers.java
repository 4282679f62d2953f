package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Threads of one test that acquire locks while the test thread watches: a started thread can be awaited until
 * it is parked inside its acquisition, so that the test acts on a real waiter. Closing interrupts whatever a
 * failed test left waiting. Public in the test-jar, for backends' own tests of waiters.
 */
public final class Workers implements AutoCloseable {
  /** A thread running one body, and what became of it. */
  public record Worker<T>(Thread thread, Future<T> result) {
    /**
     * The body's result, waiting at most {@code bound}; what the body threw is thrown as it was (an assertion
     * that failed on the thread included).
     */
    public T get(Duration bound) throws Exception {
      try {
        return result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Error error) {
          throw error;
        }
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
  }

  private final AtomicInteger ids = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "contract-worker-" + ids.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  /** When a worker held the lock ({@link System#nanoTime()}, right after its acquisition returned), and its token. */
  public record Taken(long atNanos, long fencingToken) {}

  /** Runs {@code body} on a new thread. */
  <T> Future<T> submit(Callable<T> body) {
    return pool.submit(body);
  }

  /** Runs {@code body} on a new thread, and returns once that thread runs. */
  public <T> Worker<T> started(Callable<T> body) {
    AtomicReference<Thread> thread = new AtomicReference<>();
    Future<T> result = pool.submit(() -> {
      thread.set(Thread.currentThread());
      return body.call();
    });
    await().atMost(Duration.ofSeconds(20)).until(() -> thread.get() != null);
    return new Worker<>(thread.get(), result);
  }

  /** Runs {@code body} on a new thread and returns once that thread is parked (inside an acquisition). */
  public <T> Worker<T> parked(Callable<T> body) {
    Worker<T> worker = started(body);
    WaitingContract.awaitBlocked(new AtomicReference<>(worker.thread()));
    return worker;
  }

  /**
   * Acquires {@code lock} on a new thread, waiting at most {@code maxWait}, and releases it at once: the result
   * says when it held the lock and with which token. Returns once the thread runs, not once it waits.
   */
  public Worker<Taken> taking(DistributedLock lock, Duration maxWait) {
    return started(() -> {
      try (Lease lease = lock.acquire(maxWait)) {
        return new Taken(System.nanoTime(), lease.fencingToken());
      }
    });
  }

  /** As {@link #parked}, for a blocking acquisition that must still be waiting: the lock is held elsewhere. */
  public Worker<Lease> queued(DistributedLock lock, Duration maxWait) {
    Worker<Lease> worker = parked(() -> lock.acquire(maxWait));
    assertThat(worker.result()).as("a thread that should wait for a held lock").isNotDone();
    return worker;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
