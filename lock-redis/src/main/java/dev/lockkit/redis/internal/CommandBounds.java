package dev.lockkit.redis.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Fails driver calls that outlive the command timeout, should the driver's own timeout not cover a step. One
 * sweep on the client's timer every twentieth of the timeout checks the calls in flight, so a call costs an
 * entry in a set: {@link CompletableFuture#orTimeout} would put a task on the JDK's delay thread for each
 * call and wake it twice per round trip. A call fails at most a twentieth of the timeout late.
 */
final class CommandBounds {
  private record InFlight(CompletableFuture<?> call, long deadline) {}

  private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
  private final long timeoutNanos;
  private final @Nullable ScheduledFuture<?> sweep;

  CommandBounds(ScheduledExecutorService timer, Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(5), timeoutNanos / 20);
    ScheduledFuture<?> task;
    try {
      task = timer.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      task = null; // the client is closing
    }
    this.sweep = task;
  }

  <T> CompletableFuture<T> bound(CompletableFuture<T> call) {
    if (call.isDone()) {
      return call;
    }
    InFlight entry = new InFlight(call, System.nanoTime() + timeoutNanos);
    inFlight.add(entry);
    call.whenComplete((r, e) -> inFlight.remove(entry));
    return call;
  }

  private void sweep() {
    long now = System.nanoTime();
    for (InFlight entry : inFlight) {
      if (now - entry.deadline() >= 0) {
        entry.call().completeExceptionally(new TimeoutException());
      }
    }
  }

  void close() {
    if (sweep != null) {
      sweep.cancel(false);
    }
  }
}
