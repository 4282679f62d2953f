package dev.lockkit.internal;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds a backend's calls by the command timeout, for backends whose driver's own timeout does not cover
 * every step. One sweep on the client's timer every twentieth of the timeout checks the calls in flight, so a
 * call costs an entry in a set: a timer task per call ({@link CompletableFuture#orTimeout}, or a task on the
 * client's timer) would wake a timer thread on most round trips, as each new task is due before the ones
 * already queued. A call is found overdue at most a twentieth of the timeout late. Not API.
 */
public final class CallBounds {
  private static final Logger log = LoggerFactory.getLogger(CallBounds.class);

  private record InFlight(CompletableFuture<?> call, long deadline, Runnable expired) {}

  private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
  private final long timeoutNanos;
  private final @Nullable ScheduledFuture<?> sweep;

  /**
   * Starts the sweep.
   *
   * @param timer the client's timer, which runs the sweep and the {@code expired} actions
   * @param timeout how long a call may take
   */
  public CallBounds(ScheduledExecutorService timer, Duration timeout) {
    this.timeoutNanos = Checks.toNanosSaturated(timeout);
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(5), timeoutNanos / 20);
    ScheduledFuture<?> task;
    try {
      task = timer.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      task = null; // the client is closing
    }
    this.sweep = task;
  }

  /**
   * Fails {@code call} with a {@link TimeoutException} if it is not done within the timeout.
   *
   * @param call the call in flight
   * @param <T> its result
   * @return {@code call}
   */
  public <T> CompletableFuture<T> bound(CompletableFuture<T> call) {
    bound(call, () -> call.completeExceptionally(new TimeoutException()));
    return call;
  }

  /**
   * Runs {@code expired} on the timer thread if {@code call} is not done within the timeout, and leaves the call
   * as it is: for a caller that still wants a late answer (to undo what it did).
   *
   * @param call the call in flight
   * @param expired what the caller does when the call is overdue
   */
  public void bound(CompletableFuture<?> call, Runnable expired) {
    if (call.isDone()) {
      return;
    }
    InFlight entry = new InFlight(call, System.nanoTime() + timeoutNanos, expired);
    inFlight.add(entry);
    call.whenComplete((r, e) -> inFlight.remove(entry));
  }

  private void sweep() {
    long now = System.nanoTime();
    for (InFlight entry : inFlight) {
      if (now - entry.deadline() >= 0 && inFlight.remove(entry) && !entry.call().isDone()) {
        try {
          entry.expired().run();
        } catch (RuntimeException | Error e) {
          // the periodic sweep dies with the first exception that leaves it: the other calls would go unbounded
          log.error("A backend's action on an overdue call failed; the other calls stay bounded", e);
        }
      }
    }
  }

  /** Stops the sweep; calls still in flight are no longer bounded. */
  public void close() {
    if (sweep != null) {
      sweep.cancel(false);
    }
  }
}
