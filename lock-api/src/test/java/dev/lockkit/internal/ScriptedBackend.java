package dev.lockkit.internal;

import dev.lockkit.LockBackendException;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A one-lock server in the test's hands: it counts every call the client makes, grants waiters in order,
 * and can expire the current lease or hand out a chosen token. For tests of the client core itself; backends
 * are tested against real servers.
 */
final class ScriptedBackend implements LockBackend {
  final AtomicInteger acquires = new AtomicInteger();
  final AtomicInteger releases = new AtomicInteger();
  final AtomicInteger renewals = new AtomicInteger();
  final AtomicInteger confirmations = new AtomicInteger();

  /** While set, renewals fail as they would against a server that does not answer. */
  volatile boolean renewalsFail;
  /** While set, acquisitions get no answer at all, as from a server that stopped answering. */
  volatile boolean acquisitionsUnanswered;

  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private @Nullable String owner;
  private long fence;
  private long nextToken = -1;

  private record Pending(AcquireRequest request, CompletableFuture<BackendLease> future, long sentAt) {}

  /** The next grant hands out this token instead of the next in line. */
  synchronized void nextToken(long token) {
    nextToken = token;
  }

  synchronized int waiting() {
    waiting.removeIf(p -> p.future().isDone());
    return waiting.size();
  }

  synchronized boolean isHeld() {
    return owner != null;
  }

  /** The server forgets the holder, as at the end of its lease; the next waiter gets the lock. */
  void expire() {
    synchronized (this) {
      owner = null;
    }
    grantNext();
  }

  @Override
  public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
    acquires.incrementAndGet();
    if (acquisitionsUnanswered) {
      return new CompletableFuture<>();
    }
    long sentAt = System.nanoTime();
    synchronized (this) {
      if (owner == null) {
        return CompletableFuture.completedFuture(take(request.ownerToken(), sentAt));
      }
      if (!request.waits()) {
        return CompletableFuture.completedFuture(null);
      }
      request.events().seenHeld();
      CompletableFuture<BackendLease> future = new CompletableFuture<>();
      waiting.add(new Pending(request, future, sentAt));
      return future;
    }
  }

  // guarded by this
  private BackendLease take(String token, long sentAt) {
    owner = token;
    fence = nextToken > 0 ? nextToken : fence + 1;
    nextToken = -1;
    return new Lease(token, fence, sentAt);
  }

  private void grantNext() {
    while (true) {
      Pending next;
      BackendLease lease;
      synchronized (this) {
        if (owner != null || (next = waiting.poll()) == null) {
          return;
        }
        if (next.future().isDone()) {
          continue;
        }
        lease = take(next.request().ownerToken(), next.sentAt());
      }
      if (next.future().complete(lease)) {
        return;
      }
      synchronized (this) {
        owner = null; // cancelled as it was granted: the backend releases what it won
      }
    }
  }

  @Override
  public String describe() {
    return "scripted:test";
  }

  @Override
  public void close() {}

  private final class Lease implements BackendLease {
    private final String token;
    private final long fencingToken;
    private final long acquiredAt;

    Lease(String token, long fencingToken, long acquiredAt) {
      this.token = token;
      this.fencingToken = fencingToken;
      this.acquiredAt = acquiredAt;
    }

    @Override
    public long fencingToken() {
      return fencingToken;
    }

    @Override
    public long acquiredAtNanos() {
      return acquiredAt;
    }

    @Override
    public CompletableFuture<Boolean> renew(Duration leaseTime) {
      renewals.incrementAndGet();
      if (renewalsFail) {
        return CompletableFuture.failedFuture(new LockBackendException("scripted: no answer", null));
      }
      synchronized (ScriptedBackend.this) {
        return CompletableFuture.completedFuture(token.equals(owner));
      }
    }

    @Override
    public CompletableFuture<Boolean> confirm(Duration leaseTime) {
      confirmations.incrementAndGet();
      synchronized (ScriptedBackend.this) {
        return CompletableFuture.completedFuture(token.equals(owner));
      }
    }

    @Override
    public CompletableFuture<Boolean> release() {
      releases.incrementAndGet();
      boolean mine;
      synchronized (ScriptedBackend.this) {
        mine = token.equals(owner);
        if (mine) {
          owner = null;
        }
      }
      grantNext();
      return CompletableFuture.completedFuture(mine);
    }
  }
}
