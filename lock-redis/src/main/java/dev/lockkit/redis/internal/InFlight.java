package dev.lockkit.redis.internal;

import dev.lockkit.internal.CallerWaits;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries of acquisitions and releases still under way, which closing a client lets finish: a try sent before
 * the client closed may still win the lock once the holder's release is through, and the release of that
 * unwanted win must go out before the driver closes, or the lock stays taken until its lease time ends. A
 * count, not a set: tracking runs twice per lock cycle.
 */
final class InFlight {
  private static final Logger log = LoggerFactory.getLogger(InFlight.class);

  private final AtomicInteger unsettled = new AtomicInteger();
  /** Signalled when {@link #unsettled} drops to 0. */
  private final Object settledSignal = new Object();
  /** {@link #settle} waits on {@link #settledSignal}: only then does a command that settles signal it. */
  private volatile boolean settling;

  /** Counts {@code command} as in flight until it is done. */
  <T> CompletableFuture<T> track(CompletableFuture<T> command) {
    if (!command.isDone()) {
      unsettled.incrementAndGet();
      command.whenComplete((r, e) -> settled());
    }
    return command;
  }

  /**
   * Runs {@code send}, which may send a command on the caller's thread ({@link CallerWaits}) and then returns
   * only once it is answered: counted as in flight from before it starts. Off the caller's thread it is
   * {@code send} alone: the command's future is what {@link #track} counts.
   */
  <T> T trackedOnCaller(Supplier<T> send) {
    if (!CallerWaits.now()) {
      return send.get();
    }
    unsettled.incrementAndGet();
    try {
      return send.get();
    } finally {
      settled();
    }
  }

  /**
   * Counts one command as in flight from now, before it is sent, until {@link #end}: for a try that an
   * acquisition decides to send under its own monitor, where {@link #settle} might otherwise run between that
   * decision and the command's {@link #track}, and let the driver close under a try that then announces a waiter
   * nobody takes back.
   */
  void begin() {
    unsettled.incrementAndGet();
  }

  /** Ends what {@link #begin} counted; the command's own {@link #track} counts it on from there. */
  void end() {
    settled();
  }

  private void settled() {
    if (unsettled.decrementAndGet() == 0 && settling) {
      synchronized (settledSignal) {
        settledSignal.notifyAll();
      }
    }
  }

  /**
   * Waits, at most {@code timeout}, until nothing is in flight. The client has failed its waiters already, so
   * none sends a new try; a try in flight that wins releases the lock again, and that release is tracked too.
   * Every tracked command is bounded by the command timeout from its sending, and all but such late releases
   * were sent before the client's own wait for its releases: so this wait is short, except when a win comes
   * back at the very end of that one.
   */
  void settle(Duration timeout, String describe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    settling = true;
    synchronized (settledSignal) {
      while (unsettled.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          log.debug("Closing {} with {} commands still in flight", describe, unsettled.get());
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(settledSignal, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
