package dev.lockkit.internal;

import dev.lockkit.LockLostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local holding of a {@link Hold}: the thread (for re-entrancy), the re-entrant leases sharing it, its
 * fencing token and its loss listeners. Without cohorting a hold has one tenure; with it a hold passes from
 * one tenure to the next, each with a larger token, until it goes back to the server.
 */
final class Tenure {
  private static final Logger log = LoggerFactory.getLogger(Tenure.class);

  enum State { HELD, RELEASING, RELEASED, LOST }

  private final Hold hold;
  private final @Nullable Thread thread;
  private final int index;
  /** Null unless the client has an observer. */
  private final Observing.@Nullable Started observed;

  // written under the monitor, read without it by isValid()
  private volatile State state = State.HELD;
  // guarded by this
  private int refs = 1;
  private @Nullable LockLostException lost;
  // the empty list until a listener comes: most holders never add one, and an acquisition allocates less
  private List<Consumer<? super LockLostException>> listeners = List.of();
  /**
   * A minimum hold applies: the lock stays on the server until {@link #keepUntilNanos} after a close. Volatile so
   * that a tenure without one (almost all) answers without taking the monitor.
   */
  private volatile boolean keeping;
  private long keepUntilNanos;

  Tenure(Hold hold, @Nullable Thread thread, int index) {
    this.hold = hold;
    this.thread = thread;
    this.index = index;
    hold.lock().pinForHolding(); // dropped once, when this tenure ends: see ended()
    this.observed = hold.lock().client().observing().leaseStarted(hold.lock());
  }

  @Nullable Thread thread() {
    return thread;
  }

  Hold hold() {
    return hold;
  }

  CoreLock lock() {
    return hold.lock();
  }

  long fencingToken() {
    return Tokens.fencing(hold.serverToken(), index);
  }

  boolean isValid() {
    return state == State.HELD && hold.isValid();
  }

  /** Adds a re-entrant lease if still held, with the minimum hold it asks for from now (0 for none). */
  synchronized boolean enter(long minimumHoldNanos) {
    if (state != State.HELD) {
      return false;
    }
    refs++;
    keepFor(minimumHoldNanos);
    return true;
  }

  /** A minimum hold from now on: the lock stays on the server at least that long, also after a close. */
  void keepFor(long minimumHoldNanos) {
    if (minimumHoldNanos <= 0) {
      return;
    }
    synchronized (this) {
      long until = System.nanoTime() + minimumHoldNanos;
      if (!keeping || until - keepUntilNanos > 0) {
        keepUntilNanos = until;
        keeping = true;
      }
    }
  }

  /** How long the lock must stay on the server after a close now: positive while a minimum hold lasts. */
  long keepLeftNanos() {
    if (!keeping) {
      return 0;
    }
    synchronized (this) {
      return keepUntilNanos - System.nanoTime();
    }
  }

  void addListener(Consumer<? super LockLostException> listener) {
    LockLostException already;
    synchronized (this) {
      already = state == State.LOST ? lost : null;
      if (already == null && (state == State.HELD || state == State.RELEASING)) {
        if (listeners.isEmpty()) {
          listeners = new ArrayList<>(2);
        }
        listeners.add(listener);
      }
    }
    if (already != null) {
      runListener(listener, already); // outside the monitor: a listener may block or close the lease
    }
  }

  /** One lease of this tenure is closed; the last one passes the lock on or releases it on the server. */
  void exit() {
    if (state == State.HELD) {
      hold.checkDeadlineAtClose();
    }
    boolean release;
    LockLostException wasLost;
    synchronized (this) {
      refs--;
      boolean last = refs == 0;
      release = last && state == State.HELD;
      wasLost = state == State.LOST ? lost : null;
      if (release) {
        state = State.RELEASING;
      }
      if (last) {
        lock().forget(this);
      }
    }
    if (wasLost != null) {
      throw wasLost;
    }
    if (!release) {
      return;
    }
    try {
      lock().released(this, false);
    } finally {
      // the hold may have been lost by another thread (the timer, the backend) as this close began: that
      // thread may not have told this tenure yet, but the hold knows whom the loss concerns
      LockLostException lostAsClosed = hold.lossOf(this);
      if (lostAsClosed != null) {
        lost(lostAsClosed);
      }
      LockLostException lostMeanwhile;
      boolean ends = false;
      synchronized (this) {
        lostMeanwhile = state == State.LOST ? lost : null;
        if (state == State.RELEASING) {
          state = State.RELEASED;
          ends = true;
        }
        listeners = List.of();
      }
      if (ends) {
        ended();
      }
      if (lostMeanwhile != null) {
        throw lostMeanwhile;
      }
    }
  }

  /** Releases without telling anyone: a holding nobody will see (lost a race with cancellation or timeout). */
  void releaseQuietly() {
    synchronized (this) {
      if (state != State.HELD) {
        return;
      }
      state = State.RELEASED;
      listeners = List.of();
      lock().forget(this);
    }
    try {
      lock().released(this, true);
    } finally {
      ended();
    }
  }

  /** The hold was lost while this tenure held it (or was releasing it). */
  void lost(LockLostException e) {
    List<Consumer<? super LockLostException>> toRun;
    synchronized (this) {
      if (state != State.HELD && state != State.RELEASING) {
        return;
      }
      lost = e;
      state = State.LOST;
      toRun = listeners;
      listeners = List.of();
    }
    lock().forget(this);
    for (Consumer<? super LockLostException> listener : toRun) {
      lock().client().runEvent(() -> runListener(listener, e));
    }
    ended();
  }

  /** Runs once, after the move to RELEASED or LOST: the name's state need no longer be kept for this holding. */
  private void ended() {
    lock().client().observing().leaseEnded(lock(), observed, state == State.LOST);
    lock().unpin();
  }

  private void runListener(Consumer<? super LockLostException> listener, LockLostException e) {
    try {
      listener.accept(e);
    } catch (RuntimeException | Error t) {
      log.error("A lost-lease listener of lock '{}' threw", lock().name(), t);
    }
  }
}
