package dev.lockkit.redis.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blocking connect through an application's driver client, bounded by lockkit's command timeout. The
 * application's client connects with its own timeouts (Lettuce's are 10 s to connect and 60 s per command by
 * default), which lockkit neither knows nor changes; so the connect runs on a thread of its own, and a caller that
 * has waited the command timeout gives up. What the connect still returns after that is handed to a clean-up,
 * so that nothing opened late stays open.
 */
final class BoundedConnect {
  private static final Logger log = LoggerFactory.getLogger(BoundedConnect.class);

  private BoundedConnect() {}

  /**
   * Runs {@code connect} on a daemon thread named {@code threadName} and waits for it at most {@code timeout}.
   *
   * @return what {@code connect} returned
   * @throws RuntimeException what {@code connect} threw, as thrown
   * @throws IllegalStateException if it did not return within the timeout, or the wait was interrupted (the
   *     interrupt flag is kept); whatever it returns later is passed to {@code late}
   */
  static <T> T within(Duration timeout, String threadName, Supplier<T> connect, Consumer<? super T> late) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(connect.get());
      } catch (RuntimeException | Error e) {
        result.completeExceptionally(e);
      }
    }, threadName);
    t.setDaemon(true);
    t.start();
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      closeLate(result, late);
      throw new IllegalStateException("no connection within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeLate(result, late);
      throw new IllegalStateException("interrupted while connecting", e);
    }
  }

  private static <T> void closeLate(CompletableFuture<T> result, Consumer<? super T> late) {
    result.thenAccept(value -> {
      try {
        late.accept(value);
      } catch (RuntimeException e) {
        log.debug("Closing a connection that opened too late failed", e);
      }
    });
  }
}
