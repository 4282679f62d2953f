package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Threads of one test that acquire locks while the test thread watches: each started thread is awaited until
 * it is parked inside its acquisition, so that the test acts on a real waiter. Closing interrupts whatever a
 * failed test left waiting.
 */
final class Workers implements AutoCloseable {
  /** A thread running one body, and what became of it. */
  record Worker<T>(Thread thread, Future<T> result) {
    /**
     * The body's result, waiting at most {@code bound}; what the body threw is thrown as it was (an assertion
     * that failed on the thread included).
     */
    T get(Duration bound) throws Exception {
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

  /** Runs {@code body} on a new thread. */
  <T> Future<T> submit(Callable<T> body) {
    return pool.submit(body);
  }

  /** Runs {@code body} on a new thread and returns once that thread is parked (inside an acquisition). */
  <T> Worker<T> parked(Callable<T> body) {
    AtomicReference<Thread> thread = new AtomicReference<>();
    Future<T> result = pool.submit(() -> {
      thread.set(Thread.currentThread());
      return body.call();
    });
    WaitingContract.awaitBlocked(thread);
    return new Worker<>(thread.get(), result);
  }

  /** As {@link #parked}, for a blocking acquisition that must still be waiting: the lock is held elsewhere. */
  Worker<Lease> queued(DistributedLock lock, Duration maxWait) {
    Worker<Lease> worker = parked(() -> lock.acquire(maxWait));
    assertThat(worker.result()).as("a thread that should wait for a held lock").isNotDone();
    return worker;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
