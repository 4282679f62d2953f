package dev.lockkit.internal;

import dev.lockkit.LockBackendException;
import dev.lockkit.spi.BackendLease;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lock cohorting (Dice, Marathe and Shavit, PPoPP 2012) for one lock name of one client: the client's threads
 * queue here in arrival order, only the queue as a whole has an acquisition on the server, and a release
 * passes the still-held lock to the next thread in the queue, up to {@code maxHandoffs} times in a row; then
 * the lock goes back to the server so that other processes get their turn.
 *
 * <p>Each local holder gets its own {@link Tenure}: its own leases, listeners and a fencing token one larger
 * than the previous holder's (see {@link Tokens#fencing}). Before each hand-off the server confirms that it
 * still holds the lease for this client ({@link dev.lockkit.spi.BackendLease#confirm}, one round trip instead
 * of a release, a wake-up and an acquisition): without it, a lease the server dropped unnoticed (a restart
 * without data, a session expired on the server) would pass to a thread whose token is smaller than that of
 * another process that acquired meanwhile. The remote lease keeps being renewed across hand-offs, and a loss
 * of it is told to whichever tenure holds it then.
 */
final class Cohort {
  private static final Logger log = LoggerFactory.getLogger(Cohort.class);

  private record Waiter(CompletableFuture<@Nullable Tenure> result, @Nullable Thread thread, boolean waits,
      CoreLockClient.Waiting waiting) {}

  private final CoreLockClient client;
  private final CoreLock lock;
  private final Terms terms;
  private final int maxHandoffs;

  // guarded by this
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  /** The hold a local thread holds now, if any. */
  private @Nullable Hold hold;
  private @Nullable Tenure holder;
  /** Local hand-offs of {@link #hold} so far. */
  private int handoffs;
  /** The hold of the acquisition on the server in flight for the queue, if any, and its future. */
  private @Nullable Hold pendingHold;
  private @Nullable CompletableFuture<BackendLease> pending;
  /** A release on the server is in flight; the next acquisition waits for it. */
  private boolean releasing;
  /** The acquisition in flight ({@link #pendingHold}) found the lock held by another owner. */
  private boolean pendingSeenHeld;
  /**
   * The lock went back to the server with threads of this client still queued: the next acquisition yields to
   * other clients' waiters ({@link dev.lockkit.spi.AcquireRequest#yieldsToWaiters()}).
   */
  private boolean yieldNext;

  Cohort(CoreLockClient client, CoreLock lock, Terms terms) {
    this.client = client;
    this.lock = lock;
    this.terms = terms;
    this.maxHandoffs = terms.options().maxLocalHandoffs();
  }

  /** Queues an acquisition; a non-waiting one that finds the lock busy here completes with null at once. */
  void join(CompletableFuture<@Nullable Tenure> result, boolean waits, @Nullable Thread thread,
      CoreLockClient.Waiting waiting) {
    Waiter waiter = new Waiter(result, thread, waits, waiting);
    @Nullable Hold start = null;
    boolean busy;
    boolean seenHeld = false;
    synchronized (this) {
      boolean idle = holder == null && pendingHold == null && !releasing;
      busy = !waits && !idle;
      if (!busy) {
        queue.add(waiter);
        if (idle) {
          start = pendingHold = newHold();
        }
        seenHeld = holder != null || (pendingHold != null && pendingSeenHeld);
      }
    }
    if (busy) {
      waiting.nothingToCleanUp();
      result.complete(null); // held or wanted by another thread of this client
      return;
    }
    if (seenHeld) {
      waiting.seenHeld(); // held by another thread of this client, or by another owner as the queue found
    }
    result.whenComplete((tenure, failure) -> {
      if (failure != null || tenure == null) {
        left(waiter);
      }
    });
    if (start != null) {
      startRemote(start, waits, false);
    }
  }

  private void startRemote(Hold attempt, boolean waits, boolean yields) {
    CompletableFuture<BackendLease> remote = client.acquireRemote(lock, attempt, waits, yields);
    boolean stale;
    synchronized (this) {
      stale = pendingHold != attempt;
      if (!stale) {
        pending = remote;
      }
    }
    if (stale) {
      remote.cancel(false); // every waiter left while it was being sent
    }
    remote.whenComplete((lease, failure) -> remoteDone(attempt, lease, failure));
  }

  private void remoteDone(Hold attempt, @Nullable BackendLease lease, @Nullable Throwable failure) {
    List<Waiter> failed = List.of();
    List<Waiter> missed = List.of();
    Waiter next = null;
    Tenure first = null;
    Throwable error = failure;
    List<Waiter> seenByQueue = List.of();
    Waiter tooLate = null;
    boolean staleLease = false;
    Hold restart = null;
    synchronized (this) {
      if (pendingHold != attempt) {
        staleLease = lease != null; // cancelled after the server granted it
      } else {
        pendingHold = null;
        pending = null;
        if (failure == null && lease == null) {
          missed = removeNonWaiting();
          if (!queue.isEmpty()) {
            restart = pendingHold = newHold();
          }
        } else if (failure == null) {
          next = pollLive();
          if (next == null) {
            staleLease = true;
          } else {
            try {
              first = attempt.grant(lease, next.thread());
              if (first == null) {
                // granted after its lease time had passed (and released): the queue asks again, or the one
                // attempt that may not wait fails
                if (next.waits()) {
                  queue.addFirst(next);
                } else {
                  tooLate = next;
                }
                next = null;
                if (!queue.isEmpty()) {
                  restart = pendingHold = newHold();
                }
              } else if (attempt.isHeld()) {
                hold = attempt;
                holder = first;
                handoffs = 0;
                seenByQueue = new ArrayList<>(queue);
              } else if (!queue.isEmpty()) {
                // lost as it was granted (the backend reported it first): its holder hears so, the rest go on
                restart = pendingHold = newHold();
              }
            } catch (RuntimeException e) {
              error = e;
            }
          }
        }
        if (error != null) {
          failed = new ArrayList<>(queue);
          if (next != null) {
            failed.add(next);
            next = null;
          }
          queue.clear();
        }
      }
    }
    for (Waiter w : seenByQueue) {
      w.waiting().seenHeld();
    }
    if (tooLate != null) {
      tooLate.result().completeExceptionally(attempt.grantedTooLate());
    }
    if (staleLease && lease != null) {
      lease.release().whenComplete((ok, ex) -> {
        if (ex != null) {
          log.debug("Release of unclaimed lease of '{}' failed; it expires by itself", lock.name(), ex);
        }
      });
    }
    for (Waiter w : missed) {
      w.result().complete(null);
    }
    if (error != null) {
      RuntimeException translated = client.translate(error, lock);
      for (Waiter w : failed) {
        w.result().completeExceptionally(translated);
      }
    }
    if (next != null && first != null && !next.result().complete(first)) {
      first.releaseQuietly(); // the waiter gave up as the lock was won: the next one may take it
    }
    if (restart != null) {
      startRemote(restart, true, false);
    }
  }

  /**
   * The last lease of {@code tenure} was closed: the lock passes to the next local waiter, or goes back to
   * the server. {@code quietly}: nobody waits for the answer (a holding nobody claimed).
   */
  void release(Tenure tenure, boolean quietly) {
    Hold current;
    synchronized (this) {
      if (holder != tenure) {
        return; // lost meanwhile: the hold is gone and the queue has moved on
      }
      current = java.util.Objects.requireNonNull(hold);
    }
    // the round trip that keeps tokens honest, while this tenure still holds: nobody may start meanwhile
    // (not for a quiet release: it may run on a thread that must not wait, such as the driver's; and no
    // hand-off while a minimum hold lasts: the lock then stays on the server, held by nobody, see wouldHandOff)
    Hold.Confirmation confirmation = !quietly && wouldHandOff(tenure) && current.isValid()
        ? current.confirmForHandoff() : null;
    Waiter next = null;
    Tenure passed = null;
    Hold toRelease = null;
    synchronized (this) {
      if (holder != tenure) {
        return; // lost during the confirmation (and told to this tenure)
      }
      holder = null;
      if (confirmation == Hold.Confirmation.CONFIRMED) {
        next = pollLive();
        if (next != null) {
          handoffs++;
          passed = current.handTo(next.thread(), handoffs);
          holder = passed;
        }
      }
      if (passed == null) {
        hold = null;
        handoffs = 0;
        releasing = true;
        toRelease = current;
        // threads of this client still wait: the lock goes to other processes' waiters first (the bound of the
        // hand-offs would mean little if this client's next thread, awake, took it back at once)
        yieldNext = hasLive();
      }
    }
    if (passed != null) {
      client.observing().handedOff(lock);
      if (!java.util.Objects.requireNonNull(next).result().complete(passed)) {
        passed.releaseQuietly();
      }
      return;
    }
    Hold releasingHold = java.util.Objects.requireNonNull(toRelease);
    if (confirmation == Hold.Confirmation.FAILED) {
      // the command timeout is spent: release without waiting again, and tell the holder
      releasingHold.releaseQuietly().whenComplete((ok, ex) -> releasedRemotely());
      throw new LockBackendException("no confirmation from " + client.describe() + " within "
          + client.options().commandTimeout() + " while releasing lock '" + lock.name()
          + "'; a release was sent, else it expires on the server within its lease time", null);
    }
    if (quietly) {
      releasingHold.releaseQuietly().whenComplete((ok, ex) -> releasedRemotely());
      return;
    }
    try {
      releasingHold.releaseRemotely(tenure.keepLeftNanos());
    } finally {
      releasedRemotely();
    }
  }

  /** A new acquisition on the server for the queue. */
  // guarded by this
  private Hold newHold() {
    pendingSeenHeld = false;
    return new Hold(client, lock, terms, null, this);
  }

  /** The queue's acquisition on the server found the lock held by another owner: every waiter is told. */
  void seenHeld(Hold attempt) {
    List<Waiter> toTell;
    synchronized (this) {
      if (pendingHold != attempt) {
        return;
      }
      pendingSeenHeld = true;
      toTell = new ArrayList<>(queue);
    }
    for (Waiter w : toTell) {
      w.waiting().seenHeld();
    }
  }

  private synchronized boolean wouldHandOff(Tenure tenure) {
    return holder == tenure && handoffs < maxHandoffs && !queue.isEmpty() && tenure.keepLeftNanos() <= 0;
  }

  private void releasedRemotely() {
    Hold start = null;
    boolean yields;
    synchronized (this) {
      releasing = false;
      yields = yieldNext;
      yieldNext = false;
      if (!queue.isEmpty() && holder == null && pendingHold == null) {
        start = pendingHold = newHold();
      }
    }
    if (start != null) {
      startRemote(start, true, yields);
    }
  }

  /** The hold was lost on the server: the queue acquires anew. */
  void holdLost(Hold lostHold) {
    Hold start = null;
    synchronized (this) {
      if (hold != lostHold) {
        return;
      }
      hold = null;
      holder = null;
      handoffs = 0;
      if (!queue.isEmpty() && pendingHold == null && !releasing) {
        start = pendingHold = newHold();
      }
    }
    if (start != null) {
      startRemote(start, true, false);
    }
  }

  /**
   * A waiter gave up (timeout, interrupt, cancel, close) or missed: without waiters, stop asking the server. The
   * waiter's clean-up is the backend's after that cancel, if this waiter was the last; else nothing (the others
   * still wait for the server's answer).
   */
  private void left(Waiter waiter) {
    CompletableFuture<BackendLease> cancel = null;
    synchronized (this) {
      queue.remove(waiter);
      if (queue.isEmpty() && pendingHold != null) {
        cancel = pending;
        pendingHold = null;
        pending = null;
      }
    }
    if (cancel != null) {
      cancel.cancel(false); // the backend stops waiting and releases what it may win meanwhile
      waiter.waiting().cleaningUp(client.backend().cleanedUp(cancel));
    } else {
      waiter.waiting().nothingToCleanUp();
    }
  }

  /** Threads waiting in the local queue; for tests. */
  synchronized int queued() {
    return (int) queue.stream().filter(w -> !w.result().isDone()).count();
  }

  // guarded by this
  private boolean hasLive() {
    for (Waiter w : queue) {
      if (!w.result().isDone()) {
        return true;
      }
    }
    return false;
  }

  // guarded by this
  private @Nullable Waiter pollLive() {
    Waiter w;
    while ((w = queue.poll()) != null) {
      if (!w.result().isDone()) {
        return w;
      }
    }
    return null;
  }

  // guarded by this
  private List<Waiter> removeNonWaiting() {
    List<Waiter> removed = new ArrayList<>(1);
    for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (!w.waits()) {
        it.remove();
        removed.add(w);
      }
    }
    return removed;
  }
}
