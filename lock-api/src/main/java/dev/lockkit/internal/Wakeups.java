package dev.lockkit.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a client must do at some time (renew a lease, mark it expired, time out an acquisition) behind
 * one task on the client's timer, set for the earliest of them. Adding something that is due no earlier than
 * that task touches neither the timer nor its thread: a lock taken and released in a loop schedules nothing,
 * where a task per lease would wake the timer thread twice per acquisition.
 */
final class Wakeups {
  private static final Logger log = LoggerFactory.getLogger(Wakeups.class);

  /** Something due at a time on the {@link System#nanoTime()} clock. */
  interface Due {
    /** When it is next due; must lie after {@code now} once {@link #due} has run. */
    long dueAt();

    /** Runs on the timer thread when due; removes itself from the wake-ups or moves its time on. */
    void due(long now);
  }

  private final ScheduledExecutorService timer;
  private final Set<Due> items = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  // written under lock; read without it by the fast path of wakeBy
  private volatile boolean armed;
  private volatile long wakeAt;
  // guarded by lock
  private @Nullable ScheduledFuture<?> wake;

  Wakeups(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  void add(Due item) {
    items.add(item);
    wakeBy(item.dueAt());
  }

  /** Forgets the item; a wake-up set for it finds nothing due and sets the next one. */
  void remove(Due item) {
    items.remove(item);
  }

  /** Makes sure the timer runs no later than {@code at}. */
  void wakeBy(long at) {
    // Without the monitor when a wake-up is set early enough, as it nearly always is (every lease of every thread
    // is added here): run() disarms before it scans the items, so an item added before this read saw it armed is
    // in that scan.
    if (armed && wakeAt - at <= 0) {
      return;
    }
    synchronized (lock) {
      if (armed && wakeAt - at <= 0) {
        return;
      }
      if (wake != null) {
        wake.cancel(false);
      }
      try {
        wake = timer.schedule(this::run, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return; // closed: nothing left to time
      }
      wakeAt = at; // before armed: the fast path reads armed first, then a wakeAt at least this recent
      armed = true;
    }
  }

  private void run() {
    synchronized (lock) {
      // disarmed before the scan: something added meanwhile sets its own wake-up if the scan misses it
      armed = false;
      wake = null;
    }
    long now = System.nanoTime();
    boolean any = false;
    long next = 0;
    for (Due item : items) {
      if (item.dueAt() - now <= 0) {
        try {
          item.due(now);
        } catch (RuntimeException e) {
          log.error("A timed task of a lock client failed", e);
          items.remove(item);
        }
      }
      if (items.contains(item)) {
        long at = item.dueAt();
        if (!any || at - next < 0) {
          next = at;
          any = true;
        }
      }
    }
    if (any) {
      wakeBy(next);
    }
  }
}
