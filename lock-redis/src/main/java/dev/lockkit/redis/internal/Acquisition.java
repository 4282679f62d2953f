package dev.lockkit.redis.internal;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acquisition, from the first try to the lease or the caller giving up. A try that finds the lock held
 * joins the lock's shared subscription and only then tries again, so that a release between the two is not
 * missed. After that it sleeps until a release is published or, should the message be lost, until the
 * holder's remaining lease time has passed; never a polling loop. Wake-ups that arrive while a try is in
 * flight are folded into one more try. The first try that finds the lock held tells the client
 * ({@link dev.lockkit.spi.LeaseEvents#seenHeld()}) before the acquisition waits.
 *
 * <p>A waiting acquisition is announced on the server while it waits ({@link Scripts#ACQUIRE}), and takes its
 * announcement back if it gives up. One that yields ({@link AcquireRequest#yieldsToWaiters()}) leaves a free lock
 * to the announced waiters of other clients until one of them won it, for at most {@link #YIELD_NANOS}; then it
 * asks as any other.
 *
 * <p>The holder's release may grant the lock to an announced waiter in the same step ({@link Scripts#RELEASE}):
 * the waiter then holds it without asking again ({@link #granted}). Its lease counts from the first try, sent
 * before any announcement the release could have read; a waiter that waited more than half the grant's lease
 * asks once more instead, which starts the lease anew. An acquisition that ends without a lease withdraws its
 * announcement, and with it a lock granted meanwhile.
 */
final class Acquisition {
  private static final Logger log = LoggerFactory.getLogger(Acquisition.class);
  private static final long MIN_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long CLEAN_UP_PAUSE_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long CLEAN_UP_PAUSE_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /**
   * How long a yielding acquisition leaves a free lock to other clients' announced waiters: ample for a woken
   * waiter to ask (a pub/sub message and one round trip, well under a millisecond on a healthy network), short
   * enough that a waiter that died announced costs little.
   */
  static final long YIELD_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long YIELDED = 2L;

  /** Whether a reply of the acquire script is a win: the fence alone ({@link Scripts#ACQUIRE}). */
  static boolean won(List<Long> reply) {
    return reply.size() == 1;
  }

  private final RedisBackend backend;
  private final AcquireRequest request;
  private final RedisKeys keys;
  private final CompletableFuture<BackendLease> result;

  // guarded by this
  private boolean inFlight;
  private boolean again;
  private boolean joined;
  private boolean seenHeld;
  private @Nullable ScheduledFuture<?> recheck;
  /** This acquisition has announced itself on the server as a waiter. */
  private boolean announced;
  /** Still yielding to other clients' waiters. */
  private boolean yields;
  /** When yielding ends ({@link System#nanoTime()}), once it has begun. */
  private long yieldEndsAt;
  private boolean yieldBegun;
  /** The fence when the first try yielded: another win moves it on, and ends the yield. */
  private @Nullable Long yieldFence;
  /** When the first try was sent ({@link System#nanoTime()}), once it was. */
  private long firstSentAt;
  private boolean sent;
  /** A lease was handed to the caller: no try goes out any more, and no grant is taken up. */
  private boolean won;
  /** A try failed, which fails the acquisition (and releases what the try may have won): no grant is taken up. */
  private boolean failed;
  /** The fence of a grant that came while a try was on its way, until that try's answer. */
  private @Nullable Long grantedFence;
  /** Done once what this acquisition sends after its caller gave up (a withdrawal, a release) was answered. */
  private final CompletableFuture<Void> cleanedUp;

  /**
   * @param result completed with the lease, null (a single attempt that missed) or the failure; the caller may
   *     complete it first
   * @param cleanedUp completed once what this acquisition sends after its caller gave up was answered
   *     ({@link RedisBackend#cleanedUp})
   */
  Acquisition(RedisBackend backend, AcquireRequest request, CompletableFuture<BackendLease> result,
      CompletableFuture<Void> cleanedUp) {
    this.backend = backend;
    this.request = request;
    this.keys = RedisKeys.of(request.namespace(), request.name());
    this.result = result;
    this.cleanedUp = cleanedUp;
    this.yields = request.yieldsToWaiters() && request.waits();
  }

  void start() {
    // the caller may complete the future first (timeout, interrupt, close): stop waiting then
    result.whenComplete((lease, failure) -> finish());
    attempt();
  }

  boolean isDone() {
    return result.isDone();
  }

  /** This acquisition's owner token, which a release that grants the lock names. */
  String owner() {
    return request.ownerToken();
  }

  /**
   * The holder's release granted the lock to this acquisition, with fencing token {@code fence}
   * ({@link Scripts#RELEASE}): it holds it from the grant on, which came after the first try was sent, for the
   * grant's lease ({@link Scripts#grantMillis}, which the client renews within half of it). A grant that comes while
   * a try is on its way is taken up once that try was refused (it ran before the grant), so that a late outcome of
   * the try never meets a lease already handed out; a try that ran after the grant finds the lock held by this
   * owner and wins itself. A grant that comes more than half the grant's lease after the first try is confirmed by
   * one more try instead, which starts the lease anew. A grant to an acquisition that ended meanwhile is let go by
   * its withdrawal.
   */
  void granted(long fence) {
    boolean ended;
    RedisLease lease = null;
    synchronized (this) {
      if (won || failed || !sent) {
        return;
      }
      ended = result.isDone();
      if (!ended) {
        if (inFlight) {
          grantedFence = fence;
          return;
        }
        lease = takeGrant(fence);
      }
    }
    if (ended) {
      settle(withdraw());
    } else if (lease != null) {
      hand(lease);
    } else {
      attempt();
    }
  }

  /** The lease of a grant with {@code fence}, or null if it came too late to count on it without asking. */
  private synchronized @Nullable RedisLease takeGrant(long fence) {
    long lease = request.leaseTime().toNanos();
    // what the script granted: from the lease time in ms the try sent, and no more than that
    long granted = Math.min(lease,
        TimeUnit.MILLISECONDS.toNanos(Scripts.grantMillis(RedisBackend.millis(request.leaseTime()))));
    if (System.nanoTime() - firstSentAt > granted / 2) {
      return null;
    }
    won = true;
    cancelRecheck();
    // the grant's lease ends no earlier than this deadline: the client renews it in time (AcquireRequest#renews)
    return new RedisLease(backend, keys, request.ownerToken(), fence, firstSentAt + granted - lease);
  }

  /**
   * A release was published on the lock's channel, or its subscription was confirmed again (after a reconnect or a
   * slot move).
   */
  void wake() {
    attempt();
  }

  private void attempt() {
    boolean yielding;
    @Nullable Long fenceSeen;
    boolean wasAnnounced;
    long sentAt = System.nanoTime();
    synchronized (this) {
      if (result.isDone() || won) {
        return;
      }
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      // counted from here: a close that fails this acquisition from now on waits for the try (InFlight#begin)
      backend.beginInFlight();
      again = false;
      if (!sent) {
        sent = true;
        firstSentAt = sentAt;
      }
      cancelRecheck();
      if (yields && yieldBegun && sentAt - yieldEndsAt >= 0) {
        yields = false; // the announced waiters had their chance
      }
      yielding = yields;
      fenceSeen = yieldFence;
      wasAnnounced = announced;
    }
    // Counted since the monitor, this covers also a try sent on the caller's thread (CallerWaits), answered and its
    // outcome handled before this returns: a win nobody wants any more is released inside outcome(...) before a
    // closing client closes the driver
    try {
      RedisBackend.Try attempt = backend.tryAcquire(keys, request.ownerToken(), request.leaseTime(), yielding,
          fenceSeen, wasAnnounced, request.waits(), request.renews());
      backend.track(attempt.answer().whenComplete((reply, failure) -> outcome(attempt, sentAt, reply, failure)));
    } finally {
      backend.endInFlight();
    }
  }

  private void outcome(RedisBackend.Try attempt, long sentAt, @Nullable List<Long> reply,
      @Nullable Throwable failure) {
    boolean retry;
    @Nullable Long grant;
    boolean failed = failure != null || reply == null || reply.isEmpty();
    boolean wins = !failed && won(reply);
    synchronized (this) {
      inFlight = false;
      retry = again;
      grant = grantedFence;
      grantedFence = null;
      // decided here, with the try no longer in flight, so that a grant that comes meanwhile is not taken up too
      if (failed) {
        this.failed = true;
      } else if (wins) {
        if (won) {
          return; // a grant was taken up first: the same owner token holds the lock, which this try only extended
        }
        won = true;
      }
    }
    if (failed) {
      // The script may have run although its answer was lost (a timeout), or may still run (a slow server, a
      // command still queued in the driver): undo it with a compare-and-delete sent only once the driver is
      // done with the try, so that it cannot overtake it on another connection.
      long leaseEnd = sentAt + request.leaseTime().toNanos();
      attempt.settled().whenComplete((x, e) -> cleanUp(leaseEnd));
      cleanedUp.complete(null); // the clean-up goes on for as long as it must; nobody waits for it
      fail(failure != null ? failure : new LockBackendException("unexpected reply " + reply + " of the acquire "
          + "script from " + backend.describe(), null));
      return;
    }
    if (wins) {
      won(new RedisLease(backend, keys, request.ownerToken(), reply.get(0), sentAt));
      return;
    }
    if (!request.waits()) {
      backend.deliver(() -> result.complete(null));
      cleanedUp.complete(null);
      return;
    }
    if (grant != null) {
      // refused, so this try ran before the grant that came meanwhile
      RedisLease lease = result.isDone() ? null : takeGrant(grant);
      if (lease != null) {
        hand(lease);
        return;
      }
      retry = true; // too late to count on, or the caller gave up (withdrawn below)
    }
    boolean yielded = reply.get(0) == YIELDED;
    boolean first;
    synchronized (this) {
      first = !seenHeld;
      seenHeld = true;
      announced = true;
      if (yielded && !yieldBegun) {
        yieldBegun = true;
        yieldEndsAt = sentAt + YIELD_NANOS;
        yieldFence = reply.size() > 2 ? reply.get(2) : null;
      }
    }
    if (first) {
      // the client reports a timed acquisition as "stayed held" only from here on; outside this monitor,
      // because the client's own locks are taken in there
      request.events().seenHeld();
    }
    CompletableFuture<Void> subscribed = null;
    boolean ended;
    synchronized (this) {
      ended = result.isDone() && !won;
    }
    if (ended) {
      // the caller gave up while this try was on its way, so that finish() may not have known it announced: a
      // release must not grant the lock to an announcement nobody waits behind
      settle(withdraw());
      return;
    }
    synchronized (this) {
      if (result.isDone()) {
        return; // finish() saw the announcement
      }
      if (!joined) {
        joined = true;
        subscribed = backend.subscriptions().join(keys.channel(), this);
      } else if (!retry) {
        long pttl = reply.get(1);
        long delay;
        if (yielded) {
          // until the first announced waiter's announcement runs out, or the yield does
          delay = Math.min(TimeUnit.MILLISECONDS.toNanos(pttl + 1), yieldEndsAt - System.nanoTime());
        } else {
          // -2: gone already; -1: a key without TTL, not ours to judge: look again after a command timeout
          delay = pttl >= 0 ? TimeUnit.MILLISECONDS.toNanos(pttl + 1)
              : pttl == -2 ? MIN_RECHECK_NANOS : backend.context().options().commandTimeout().toNanos();
        }
        scheduleRecheck(Math.max(MIN_RECHECK_NANOS, delay));
        return;
      }
    }
    if (subscribed != null) {
      // subscribed before this re-check: a release from now on wakes us
      subscribed.whenComplete((ok, e) -> {
        if (e != null) {
          fail(e);
        } else {
          attempt();
        }
      });
    } else {
      attempt();
    }
  }

  /**
   * With {@code waitReplicas} the try answered a win only once enough replicas acknowledged the script's own write
   * ({@link ReplicatedAcquire}); one too few acknowledged came back as a failure, released already.
   */
  private void won(RedisLease lease) {
    hand(lease);
  }

  /** Hands the lease to the caller; {@link #won} is set already, by whoever decided the win. */
  private void hand(RedisLease lease) {
    backend.deliver(() -> {
      if (!result.complete(lease)) {
        releaseUnwanted(lease); // the caller gave up as the lock was won
      }
    });
  }

  private void releaseUnwanted(RedisLease lease) {
    settle(lease.release().whenComplete((ok, e) -> { // tracked by the backend, as every release
      if (e != null) {
        log.debug("Release of unwanted lock '{}' failed; it expires by itself", request.name(), e);
      }
    }));
  }

  /**
   * Releases what a failed try may have won. A release that gets no answer (the server is still slow or away) is
   * sent again until the try's lease would have ended: after that the server has dropped the key itself.
   */
  private void cleanUp(long leaseEndNanos) {
    // a waiting try may have announced instead, which a withdrawal takes back (with a lock granted since)
    CompletableFuture<?> undo = request.waits() ? backend.withdraw(keys, request.ownerToken())
        : backend.release(keys, request.ownerToken());
    undo.whenComplete((ok, e) -> {
      if (e == null) {
        return;
      }
      long left = leaseEndNanos - System.nanoTime();
      long pause = Math.max(CLEAN_UP_PAUSE_MIN_NANOS,
          Math.min(CLEAN_UP_PAUSE_MAX_NANOS, backend.context().options().commandTimeout().toNanos() / 4));
      if (left <= pause) {
        log.debug("Clean-up after a failed attempt on '{}' failed; the lease time ends it", request.name(), e);
        return;
      }
      try {
        backend.context().scheduler().schedule(() -> cleanUp(leaseEndNanos), pause, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        log.debug("Clean-up after a failed attempt on '{}' failed as the client closed; the lease time ends it",
            request.name(), e);
      }
    });
  }

  private void fail(Throwable failure) {
    LockBackendException e = backend.backendFailure("acquiring lock '" + request.name() + "'", failure);
    backend.deliver(() -> result.completeExceptionally(e));
  }

  private void scheduleRecheck(long delayNanos) {
    try {
      recheck = backend.context().scheduler().schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LockClientClosedException closed = new LockClientClosedException("the LockClient (" + backend.describe()
          + ") was closed while lock '" + request.name() + "' was waited for");
      closed.initCause(e);
      result.completeExceptionally(closed);
    }
  }

  private void finish() {
    boolean givenUp;
    boolean withdraw;
    boolean tryOnItsWay;
    synchronized (this) {
      cancelRecheck();
      if (joined) {
        backend.subscriptions().leave(keys.channel(), this);
      }
      givenUp = !won && (result.isCompletedExceptionally() || result.getNow(null) == null);
      // a win took the announcement out in the same script; a try still on its way may announce once more, and
      // takes it back itself when its answer comes (outcome), which also ends the clean-up then
      withdraw = announced && givenUp;
      tryOnItsWay = inFlight;
    }
    if (withdraw) {
      settle(withdraw());
    } else if (!givenUp || !tryOnItsWay) {
      cleanedUp.complete(null);
    }
  }

  /** Takes back this acquisition's announcement, and lets go of a lock a release granted it meanwhile. */
  private CompletableFuture<?> withdraw() {
    return backend.withdraw(keys, request.ownerToken()).whenComplete((ok, e) -> {
      if (e != null) {
        log.debug("Taking back the announcement of a waiter for '{}' failed; it runs out by itself, and a lock "
            + "granted to it with its lease time", request.name(), e);
      }
    });
  }

  /** The clean-up after the caller gave up is done once {@code step} is answered or failed. */
  private void settle(CompletableFuture<?> step) {
    step.whenComplete((ok, e) -> cleanedUp.complete(null));
  }

  private void cancelRecheck() {
    ScheduledFuture<?> r = recheck;
    if (r != null) {
      r.cancel(false);
      recheck = null;
    }
  }
}
