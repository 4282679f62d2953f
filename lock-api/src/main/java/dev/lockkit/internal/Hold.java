package dev.lockkit.internal;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockLostException;
import dev.lockkit.LockObserver.LossCause;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LeaseEvents;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acquisition on the server and what the client keeps about it: its deadline on the client's monotonic
 * clock and its renewal. The {@link Tenure} holding it now (one after another when cohorting passes it between
 * threads) is told when it is lost. Also the {@link LeaseEvents} its backend reports to.
 */
final class Hold implements LeaseEvents, Wakeups.Due {
  private static final Logger log = LoggerFactory.getLogger(Hold.class);

  enum State { PENDING, HELD, RELEASED, LOST, ABANDONED }

  private final CoreLockClient client;
  private final CoreLock lock;
  private final Terms terms;
  /** The cohort this hold passes through, or null for one acquisition of one caller. */
  private final @Nullable Cohort cohort;
  // lease, margin, renewal and command durations are the terms' (read from there, not copied: a hold per
  // acquisition stays small)

  // written under the monitor, read without it by isValid()/isHeld()
  private volatile State state = State.PENDING;
  private volatile long deadlineNanos;
  private volatile boolean suspended;
  /**
   * The last renewal failed (no answer, or an error): the server could not confirm the lease, and may have lost
   * it (a Redis restarted without its data). Not valid until a renewal succeeds, as a ZooKeeper lease is not
   * while its connection is suspended.
   */
  private volatile boolean unconfirmed;
  private volatile long serverToken;
  // guarded by this
  private @Nullable BackendLease remote;
  private @Nullable Tenure tenant;
  private @Nullable LockLostException lostBeforeGrant;
  /** The tenure that held this hold when it was lost, and what it is told; set once, with state LOST. */
  private @Nullable Tenure lostTenant;
  private @Nullable LockLostException lostWith;
  private long renewAtNanos;
  private boolean renewing;
  /** Renewals failed in a row: the first is logged at WARN, the retries at DEBUG, so one event is one line. */
  private int renewalFailures;

  /** The one acquisition this hold is for when cohorting is off; with cohorting the lock's cohort is told. */
  private final CoreLockClient.@Nullable Waiting waiting;

  Hold(CoreLockClient client, CoreLock lock, Terms terms, CoreLockClient.@Nullable Waiting waiting,
      @Nullable Cohort cohort) {
    this.client = client;
    this.lock = lock;
    this.terms = terms;
    this.waiting = waiting;
    this.cohort = cohort;
  }

  CoreLock lock() {
    return lock;
  }

  Terms terms() {
    return terms;
  }

  @Nullable Cohort cohort() {
    return cohort;
  }

  long serverToken() {
    return serverToken;
  }

  /**
   * Makes the hold live once the backend granted it, held by a first tenant. A grant whose lease time has
   * already passed on this client's clock (its answer took longer than the lease: a frozen server, a long
   * pause) is released at once and null returned: no acquisition hands out a lease that is invalid already.
   *
   * @return the first tenant, or null if the grant came too late
   * @throws LockClientClosedException if the client crashed or closed meanwhile
   * @throws LockBackendException if the server's token does not fit a fencing token; the lease is released
   */
  @Nullable Tenure grant(BackendLease lease, @Nullable Thread thread) {
    long token = lease.fencingToken();
    if (token <= 0 || token > Tokens.MAX_SERVER_TOKEN) {
      lease.release();
      throw new LockBackendException("the server handed out fencing token " + token + " for lock '" + lock.name()
          + "', outside 1.." + Tokens.MAX_SERVER_TOKEN + "; the lock was released", null);
    }
    if (System.nanoTime() - (lease.acquiredAtNanos() + terms.leaseNanos() - terms.marginNanos()) >= 0) {
      log.debug("Lock '{}' was granted after its lease time had passed; released", lock.name());
      lease.release().whenComplete((ok, ex) -> {
        if (ex != null) {
          log.debug("Release of a lease of '{}' granted too late failed; it has expired anyway", lock.name(), ex);
        }
      });
      return null;
    }
    Tenure first;
    LockLostException early;
    synchronized (this) {
      if (state != State.PENDING) {
        throw client.closedWhileWaiting();
      }
      remote = lease;
      serverToken = token;
      first = new Tenure(this, thread, 0);
      first.keepFor(terms.minimumHoldNanos());
      tenant = first;
      deadlineNanos = lease.acquiredAtNanos() + terms.leaseNanos() - terms.marginNanos();
      renewAtNanos = lease.acquiredAtNanos() + terms.renewNanos();
      long now = System.nanoTime();
      if (renewAtNanos - now < 0) {
        // granted with a lease shorter than the lease time, or answered late: not at once, which would put a
        // renewal beside every such grant, but halfway to the deadline, as a held lease's renewal leaves room too
        renewAtNanos = now + (deadlineNanos - now) / 2;
      }
      state = State.HELD;
      early = lostBeforeGrant;
    }
    client.register(this);
    if (early != null) {
      lose(early.getMessage(), early.getCause(), false, LossCause.BACKEND);
    }
    return first;
  }

  /** Why a single attempt failed whose grant came only after its lease time had passed. */
  LockBackendException grantedTooLate() {
    return new LockBackendException("the answer from " + client.describe() + " that granted lock '" + lock.name()
        + "' came after its lease time (" + terms.options().leaseTime() + ") had passed; the lock was released",
        null);
  }

  /** Passes the held lock to the next local holder, the {@code index}-th in a row. */
  synchronized Tenure handTo(@Nullable Thread thread, int index) {
    Tenure next = new Tenure(this, thread, index);
    next.keepFor(terms.minimumHoldNanos());
    tenant = next;
    return next;
  }

  boolean isValid() {
    return state == State.HELD && !suspended && !unconfirmed && System.nanoTime() - deadlineNanos < 0;
  }

  boolean isHeld() {
    return state == State.HELD;
  }

  /** Reports the loss to the holder closing its lease if the deadline passed before the close. */
  void checkDeadlineAtClose() {
    if (isHeld() && System.nanoTime() - deadlineNanos >= 0) {
      // the section ran past the lease, even if the timer has not noticed yet: the holder must hear it
      lose("its lease time passed before it was closed", null, true, LossCause.EXPIRED);
    }
  }

  enum Confirmation { CONFIRMED, LOST, FAILED }

  /**
   * Before the lock passes to another local holder: asks the server whether it still holds this lease (see
   * {@link BackendLease#confirm}) and extends it to a full lease time. One round trip, on the releasing
   * thread, within the command timeout. A lease the server no longer holds is lost (its tenant told, and a
   * compare-and-delete sent so that nothing of it stays behind).
   */
  Confirmation confirmForHandoff() {
    BackendLease lease;
    synchronized (this) {
      if (state != State.HELD) {
        return Confirmation.LOST;
      }
      lease = java.util.Objects.requireNonNull(remote);
    }
    long sentAt = System.nanoTime();
    Boolean held;
    try {
      // the releasing thread waits for nothing else, up to the command timeout: a blocking driver may send it here
      held = Futures.await(CallerWaits.during(() -> lease.confirm(terms.options().leaseTime())),
          terms.commandNanos());
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.debug("Confirming lock '{}' before a local hand-off failed", lock.name(), e);
      return Confirmation.FAILED;
    }
    if (!Boolean.TRUE.equals(held)) {
      lose("before passing it to another thread the server no longer held this lease's token (it expired, "
          + "and may have been taken)", null, true, LossCause.NOT_HELD);
      return Confirmation.LOST;
    }
    synchronized (this) {
      extendDeadline(sentAt);
    }
    return Confirmation.CONFIRMED;
  }

  /**
   * Releases on the server and waits for the answer. A server that no longer held the token makes the
   * tenant lost. With {@code keepNanos} of a minimum hold left (a millisecond or more), the server keeps the
   * lock that much longer, held by nobody ({@link BackendLease#releaseKeeping}).
   *
   * @throws LockBackendException if the server could not be told in time
   */
  void releaseRemotely(long keepNanos) {
    BackendLease lease;
    long deadline;
    synchronized (this) {
      if (state != State.HELD) {
        return;
      }
      state = State.RELEASED;
      lease = java.util.Objects.requireNonNull(remote);
      deadline = deadlineNanos;
    }
    client.unregister(this);
    // Past the lease's end (the deadline plus its margin, and one margin more) the server drops the lock by
    // itself: waiting longer for the answer protects nothing and only stalls the caller.
    long leaseEndsIn = deadline + 2 * terms.marginNanos() - System.nanoTime();
    long wait = Math.max(0, Math.min(client.commandTimeoutNanos(), leaseEndsIn));
    java.util.function.Supplier<CompletableFuture<Boolean>> send = keepNanos >= TimeUnit.MILLISECONDS.toNanos(1)
        ? () -> lease.releaseKeeping(java.time.Duration.ofNanos(keepNanos)) : lease::release;
    Boolean released;
    try {
      released = Futures.await(CallerWaits.during(wait, client.commandTimeoutNanos(), send), wait);
    } catch (ExecutionException e) {
      throw new LockBackendException("could not release lock '" + lock.name() + "' on " + client.describe()
          + "; it expires on the server within its lease time", Futures.unwrap(e));
    } catch (TimeoutException e) {
      throw new LockBackendException("no answer from " + client.describe() + " within "
          + (wait < client.commandTimeoutNanos()
              ? TimeUnit.NANOSECONDS.toMillis(wait) + " ms to the release of lock '" + lock.name()
                  + "', by when its lease time had ended: the server drops it by itself"
              : client.options().commandTimeout() + " to the release of lock '" + lock.name()
                  + "'; it expires on the server within its lease time"), e);
    }
    if (!Boolean.TRUE.equals(released)) {
      lose("at release the server no longer held this lease's token (it had expired, and maybe been taken)",
          null, false, LossCause.NOT_HELD, State.RELEASED);
    }
  }

  /** Releases on the server without waiting or telling anyone. */
  CompletableFuture<?> releaseQuietly() {
    BackendLease lease;
    synchronized (this) {
      if (state != State.HELD) {
        return CompletableFuture.completedFuture(null);
      }
      state = State.RELEASED;
      tenant = null;
      lease = java.util.Objects.requireNonNull(remote);
    }
    client.unregister(this);
    return lease.release().whenComplete((ok, ex) -> {
      if (ex != null) {
        log.debug("Release of unclaimed lease of '{}' failed; it expires by itself", lock.name(), ex);
      }
    });
  }

  /** The client is closing: the holder loses the lease and the server is told. */
  CompletableFuture<?> endByClient() {
    return lose("the LockClient was closed while the lease was held", null, true, LossCause.CLIENT_CLOSED);
  }

  /** The client crashed: stop everything, tell nobody, release nothing. */
  void abandon() {
    synchronized (this) {
      if (state == State.PENDING || state == State.HELD) {
        state = State.ABANDONED;
        tenant = null;
      }
    }
  }

  private CompletableFuture<?> lose(String reason, @Nullable Throwable cause, boolean releaseRemotely,
      LossCause why) {
    return lose(reason, cause, releaseRemotely, why, State.HELD);
  }

  /**
   * The loss of this hold if {@code tenure} held it when it was lost. A tenure closing at the moment the hold
   * is lost asks here, so that it is told even if the thread that marked the loss has not reached it yet.
   */
  synchronized @Nullable LockLostException lossOf(Tenure tenure) {
    return lostTenant == tenure ? lostWith : null;
  }

  /** Marks the hold lost if it is in state {@code from}, tells its tenant, and maybe tells the server. */
  private CompletableFuture<?> lose(String reason, @Nullable Throwable cause, boolean releaseRemotely,
      LossCause why, State from) {
    Tenure holder;
    BackendLease lease;
    LockLostException e;
    synchronized (this) {
      if (state != from) {
        return CompletableFuture.completedFuture(null);
      }
      state = State.LOST;
      holder = tenant;
      tenant = null;
      lease = remote;
      // the loss and whom it concerns are recorded in the same step as the state: see lossOf
      e = new LockLostException("lease of lock '" + lock.name() + "' (fencing token "
          + (holder == null ? Tokens.fencing(serverToken, 0) : holder.fencingToken()) + ") was lost: " + reason,
          cause);
      lostTenant = holder;
      lostWith = e;
    }
    client.unregister(this);
    client.observing().leaseLost(lock, why);
    log.warn("{}", e.getMessage());
    if (holder != null) {
      holder.lost(e);
    }
    lock.holdLost(this);
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

  // ---- renewal and expiry: run on the client's timer thread ----

  @Override
  public synchronized long dueAt() {
    return terms.renewNanos() < 0 || renewing ? deadlineNanos : Math.min(renewAtNanos, deadlineNanos);
  }

  @Override
  public void due(long now) {
    if (!isHeld()) {
      client.unregister(this);
      return;
    }
    if (now - deadlineNanos >= 0) {
      lose(terms.renewNanos() >= 0
              ? "its lease time passed without a renewal confirmed by the server"
              : "its lease time passed and renewal is off",
          null, true, LossCause.EXPIRED);
      return;
    }
    BackendLease lease;
    synchronized (this) {
      if (renewing || terms.renewNanos() < 0 || now - renewAtNanos < 0) {
        return;
      }
      renewing = true;
      lease = java.util.Objects.requireNonNull(remote);
    }
    long sentAt = System.nanoTime();
    try {
      lease.renew(terms.options().leaseTime())
          .orTimeout(terms.commandNanos(), TimeUnit.NANOSECONDS)
          .whenComplete((ok, ex) -> client.runTimer(() -> renewed(sentAt, ok, ex)));
    } catch (RuntimeException e) {
      renewed(sentAt, null, e);
    }
  }

  private void renewed(long sentAt, @Nullable Boolean ok, @Nullable Throwable failure) {
    if (failure == null && Boolean.FALSE.equals(ok)) {
      lose("the server no longer holds this lease's token (it expired, and may have been taken)", null, false,
          LossCause.NOT_HELD);
      return;
    }
    long due;
    synchronized (this) {
      renewing = false;
      if (state != State.HELD) {
        return;
      }
      if (failure == null) {
        extendDeadline(sentAt);
        unconfirmed = false;
        renewAtNanos = System.nanoTime() + terms.renewNanos();
        if (renewalFailures > 0) {
          log.info("Renewal of lock '{}' succeeded again after {} failed attempts", lock.name(), renewalFailures);
          renewalFailures = 0;
        }
      } else {
        long left = deadlineNanos - System.nanoTime();
        unconfirmed = true;
        renewalFailures++;
        if (renewalFailures == 1) {
          log.warn("Renewal of lock '{}' failed, {} ms of lease left; retrying until it runs out: {}", lock.name(),
              TimeUnit.NANOSECONDS.toMillis(left), Futures.unwrap(failure).toString());
        } else {
          log.debug("Renewal of lock '{}' failed again ({} in a row), {} ms of lease left: {}", lock.name(),
              renewalFailures, TimeUnit.NANOSECONDS.toMillis(left), Futures.unwrap(failure).toString());
        }
        renewAtNanos = System.nanoTime()
            + Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(terms.renewNanos(), left / 3));
      }
      due = dueAt();
    }
    if (failure != null) {
      client.observing().renewalFailed(lock, failure);
    }
    client.wakeBy(due);
  }

  // guarded by this
  private void extendDeadline(long sentAt) {
    long newDeadline = sentAt + terms.leaseNanos() - terms.marginNanos();
    if (newDeadline - deadlineNanos > 0) {
      deadlineNanos = newDeadline;
    }
  }

  // ---- LeaseEvents: what the backend reports ----

  @Override
  public void seenHeld() {
    if (waiting != null) {
      waiting.seenHeld();
    } else if (cohort != null) {
      cohort.seenHeld(this);
    }
  }

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
    lose(reason, cause, true, LossCause.BACKEND);
  }
}
