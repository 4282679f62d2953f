package dev.lockkit.internal;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockLostException;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LeaseEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One remote acquisition and everything the client keeps about it: its deadline on the client's monotonic
 * clock, its renewal schedule, the re-entrant leases sharing it, and its loss listeners. Also the
 * {@link LeaseEvents} its backend reports to.
 */
final class Hold implements LeaseEvents {
  private static final Logger log = LoggerFactory.getLogger(Hold.class);

  enum State { PENDING, HELD, RELEASED, LOST, ABANDONED }

  private final CoreLockClient client;
  private final CoreLock lock;
  private final @Nullable Thread thread;
  private final long leaseNanos;
  private final long marginNanos;

  // guarded by this
  // written under the monitor, read without it by isValid()/isHeld()
  private volatile State state = State.PENDING;
  private int refs;
  private @Nullable BackendLease remote;
  private @Nullable LockLostException lost;
  private @Nullable LockLostException lostBeforeGrant;
  private List<Consumer<? super LockLostException>> listeners = new ArrayList<>();
  private @Nullable ScheduledFuture<?> renewTask;
  private @Nullable ScheduledFuture<?> expiryTask;

  private volatile long deadlineNanos;
  private volatile boolean suspended;

  Hold(CoreLockClient client, CoreLock lock, @Nullable Thread thread) {
    this.client = client;
    this.lock = lock;
    this.thread = thread;
    this.leaseNanos = Checks.toNanosSaturated(client.options().leaseTime());
    // Clocks of client and server may run at slightly different rates: claim a little less than the lease.
    this.marginNanos = leaseNanos / 100;
  }

  @Nullable Thread thread() {
    return thread;
  }

  CoreLock lock() {
    return lock;
  }

  synchronized long fencingToken() {
    return remote == null ? 0 : remote.fencingToken();
  }

  /** Makes the hold live once the backend granted it; false if it can no longer be (the client crashed). */
  boolean grant(BackendLease lease) {
    LockLostException early;
    synchronized (this) {
      if (state != State.PENDING) {
        return false;
      }
      remote = lease;
      refs = 1;
      deadlineNanos = lease.acquiredAtNanos() + leaseNanos - marginNanos;
      state = State.HELD;
      client.register(this);
      scheduleExpiryCheck();
      if (client.options().renewalEnabled()) {
        scheduleRenewal(Checks.toNanosSaturated(client.options().renewInterval()));
      }
      early = lostBeforeGrant;
    }
    if (early != null) {
      lose(early.getMessage(), early.getCause(), false);
    }
    return true;
  }

  boolean isValid() {
    return state == State.HELD && !suspended && System.nanoTime() - deadlineNanos < 0;
  }

  boolean isHeld() {
    return state == State.HELD;
  }

  /** Adds a re-entrant lease if the hold is still held. */
  synchronized boolean enter() {
    if (state != State.HELD) {
      return false;
    }
    refs++;
    return true;
  }

  void addListener(Consumer<? super LockLostException> listener) {
    LockLostException already;
    synchronized (this) {
      already = state == State.LOST ? lost : null;
      if (already == null && (state == State.PENDING || state == State.HELD)) {
        listeners.add(listener);
      }
    }
    if (already != null) {
      runListener(listener, already); // outside the monitor: a listener may block or close the lease
    }
  }

  /** One lease of this hold is closed; the last one releases on the server. */
  void exit() {
    if (isHeld() && System.nanoTime() - deadlineNanos >= 0) {
      // the deadline passed before this close, even if the expiry check has not run yet: the section ran
      // past the lease, so the holder must hear it was lost rather than get a release that may fail
      lose("its lease time passed before it was closed", null, true);
    }
    boolean release;
    boolean last;
    LockLostException wasLost;
    synchronized (this) {
      refs--;
      last = refs == 0;
      release = last && state == State.HELD;
      wasLost = state == State.LOST ? lost : null;
      if (release) {
        state = State.RELEASED;
        cancelTasks();
      }
    }
    if (last) {
      client.unregister(this);
    }
    if (wasLost != null) {
      throw wasLost;
    }
    if (release) {
      releaseRemotely();
    }
  }

  private void releaseRemotely() {
    BackendLease lease = remoteLease();
    Boolean released;
    try {
      released = Futures.await(lease.release(), client.commandTimeoutNanos());
    } catch (ExecutionException e) {
      throw new LockBackendException("could not release lock '" + lock.name() + "' on " + client.describe()
          + "; it expires on the server within its lease time", Futures.unwrap(e));
    } catch (TimeoutException e) {
      throw new LockBackendException("no answer from " + client.describe() + " within "
          + client.options().commandTimeout() + " to the release of lock '" + lock.name()
          + "'; it expires on the server within its lease time", e);
    }
    if (Boolean.TRUE.equals(released)) {
      synchronized (this) {
        listeners = List.of();
      }
    } else {
      lose("at release the server no longer held this lease's token (it had expired, and maybe been taken)",
          null, false, State.RELEASED);
      throw lostException();
    }
  }


  private synchronized LockLostException lostException() {
    return java.util.Objects.requireNonNull(lost);
  }

  private synchronized BackendLease remoteLease() {
    return java.util.Objects.requireNonNull(remote);
  }

  /** Releases without telling anyone: a lease nobody will see (lost a race with cancellation, or timed out). */
  void releaseQuietly() {
    synchronized (this) {
      if (state != State.HELD) {
        return;
      }
      state = State.RELEASED;
      cancelTasks();
      listeners = List.of();
    }
    client.unregister(this);
    remoteLease().release().whenComplete((ok, ex) -> {
      if (ex != null) {
        log.debug("Release of unclaimed lease of '{}' failed; it expires by itself", lock.name(), ex);
      }
    });
  }

  /** The client is closing: the holder loses the lease and the server is told. */
  CompletableFuture<?> endByClient() {
    return lose("the LockClient was closed while the lease was held", null, true);
  }

  /** The client crashed: stop everything, tell nobody, release nothing. */
  void abandon() {
    synchronized (this) {
      if (state == State.PENDING || state == State.HELD) {
        state = State.ABANDONED;
        cancelTasks();
        listeners = List.of();
      }
    }
  }

  private CompletableFuture<?> lose(String reason, @Nullable Throwable cause, boolean releaseRemotely) {
    return lose(reason, cause, releaseRemotely, State.HELD);
  }

  /** Marks the hold lost if it is in state {@code from}, runs the listeners, and maybe tells the server. */
  private CompletableFuture<?> lose(String reason, @Nullable Throwable cause, boolean releaseRemotely, State from) {
    List<Consumer<? super LockLostException>> toRun;
    LockLostException e;
    BackendLease lease;
    synchronized (this) {
      if (state != from) {
        return CompletableFuture.completedFuture(null);
      }
      e = new LockLostException("lease of lock '" + lock.name() + "' (fencing token " + fencingToken()
          + ") was lost: " + reason, cause);
      lost = e;
      state = State.LOST;
      cancelTasks();
      toRun = listeners;
      listeners = List.of();
      lease = remote;
    }
    log.warn("{}", e.getMessage());
    for (Consumer<? super LockLostException> listener : toRun) {
      client.runEvent(() -> runListener(listener, e));
    }
    client.unregister(this);
    if (releaseRemotely && lease != null) {
      // compare-and-delete: harmless if someone else holds the lock by now
      return lease.release().whenComplete((ok, ex) -> {
        if (ex != null) {
          log.debug("Release of lost lease of '{}' failed; it expires by itself", lock.name(), ex);
        }
      });
    }
    return CompletableFuture.completedFuture(null);
  }

  private void runListener(Consumer<? super LockLostException> listener, LockLostException e) {
    try {
      listener.accept(e);
    } catch (RuntimeException | Error t) {
      log.error("A lost-lease listener of lock '{}' threw", lock.name(), t);
    }
  }

  // ---- renewal and expiry: run on the client's timer thread ----

  private void scheduleRenewal(long delayNanos) {
    renewTask = client.schedule(this::renew, delayNanos);
  }

  private void scheduleExpiryCheck() {
    if (expiryTask != null) {
      expiryTask.cancel(false);
    }
    expiryTask = client.schedule(this::checkExpiry, deadlineNanos - System.nanoTime());
  }

  private void checkExpiry() {
    if (isHeld() && System.nanoTime() - deadlineNanos >= 0) {
      lose(client.options().renewalEnabled()
              ? "its lease time passed without a renewal confirmed by the server"
              : "its lease time passed and renewal is off",
          null, true);
    }
  }

  private void renew() {
    BackendLease lease;
    synchronized (this) {
      if (state != State.HELD) {
        return;
      }
      lease = remote;
    }
    long sentAt = System.nanoTime();
    try {
      lease.renew(client.options().leaseTime())
          .orTimeout(client.commandTimeoutNanos(), TimeUnit.NANOSECONDS)
          .whenComplete((ok, ex) -> client.runTimer(() -> renewed(sentAt, ok, ex)));
    } catch (RuntimeException e) {
      renewed(sentAt, null, e);
    }
  }

  private void renewed(long sentAt, @Nullable Boolean ok, @Nullable Throwable failure) {
    if (failure == null && Boolean.FALSE.equals(ok)) {
      lose("the server no longer holds this lease's token (it expired, and may have been taken)", null, false);
      return;
    }
    synchronized (this) {
      if (state != State.HELD) {
        return;
      }
      long renewInterval = Checks.toNanosSaturated(client.options().renewInterval());
      if (failure == null) {
        long newDeadline = sentAt + leaseNanos - marginNanos;
        if (newDeadline - deadlineNanos > 0) {
          deadlineNanos = newDeadline;
          scheduleExpiryCheck();
        }
        scheduleRenewal(renewInterval);
        return;
      }
      long left = deadlineNanos - System.nanoTime();
      log.warn("Renewal of lock '{}' failed, {} ms of lease left: {}", lock.name(),
          TimeUnit.NANOSECONDS.toMillis(left), Futures.unwrap(failure).toString());
      if (left > 0) {
        scheduleRenewal(Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(renewInterval, left / 3)));
      }
    }
    checkExpiry();
  }

  private void cancelTasks() {
    if (renewTask != null) {
      renewTask.cancel(false);
    }
    if (expiryTask != null) {
      expiryTask.cancel(false);
    }
  }


  // ---- LeaseEvents: what the backend reports ----

  @Override
  public void suspended() {
    suspended = true;
  }

  @Override
  public void resumed() {
    suspended = false;
  }

  @Override
  public void lost(String reason, @Nullable Throwable cause) {
    synchronized (this) {
      if (state == State.PENDING) {
        lostBeforeGrant = new LockLostException(reason, cause);
        return;
      }
    }
    lose(reason, cause, true);
  }
}
