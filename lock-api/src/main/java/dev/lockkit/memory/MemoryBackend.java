package dev.lockkit.memory;

import dev.lockkit.internal.Checks;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendContext;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** One client's connection to a {@link MemoryLockServer}. */
final class MemoryBackend implements LockBackend {
  private static final long MIN_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final MemoryLockServer server;
  private final BackendContext context;
  private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();

  MemoryBackend(MemoryLockServer server, BackendContext context) {
    this.server = server;
    this.context = context;
  }

  @Override
  public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
    String key = request.namespace() + ":" + request.name();
    long leaseNanos = Checks.toNanosSaturated(request.leaseTime());
    long sentAt = System.nanoTime();
    long fence = server.tryTake(key, request.ownerToken(), leaseNanos);
    if (fence > 0) {
      return CompletableFuture.completedFuture(new MemoryLease(key, request.ownerToken(), fence, sentAt));
    }
    if (!request.waits()) {
      return CompletableFuture.completedFuture(null);
    }
    request.events().seenHeld();
    CompletableFuture<BackendLease> future = new CompletableFuture<>();
    Waiter waiter = new Waiter(key, request.ownerToken(), leaseNanos, future);
    server.addWaiter(key, waiter);
    waiting.add(waiter);
    future.whenComplete((lease, failure) -> {
      server.removeWaiter(key, waiter);
      waiting.remove(waiter);
      waiter.cancelRecheck();
    });
    // registered before this re-check, so a release in between is not missed
    waiter.retry();
    return future;
  }

  @Override
  public String describe() {
    return "memory:" + server.store();
  }

  @Override
  public void close() {
    for (Waiter waiter : waiting) {
      waiter.future.cancel(false);
    }
  }

  private static void wakeAll(@Nullable List<Waiter> waiters) {
    if (waiters == null) {
      return;
    }
    for (Waiter waiter : waiters) {
      waiter.wake();
    }
  }

  /** A waiting acquisition: woken by a release, or by its fallback re-check when the holder's lease ends. */
  final class Waiter {
    private final String key;
    private final String owner;
    private final long leaseNanos;
    private final CompletableFuture<BackendLease> future;
    private volatile @Nullable ScheduledFuture<?> recheck;

    Waiter(String key, String owner, long leaseNanos, CompletableFuture<BackendLease> future) {
      this.key = key;
      this.owner = owner;
      this.leaseNanos = leaseNanos;
      this.future = future;
    }

    /** Called from the releasing thread: the retry runs on the waiter's own client thread, as a real
     * server's notification would arrive. */
    void wake() {
      try {
        context.scheduler().execute(this::retry);
      } catch (RejectedExecutionException e) {
        future.cancel(false); // the waiter's client is closed
      }
    }

    synchronized void retry() {
      if (future.isDone()) {
        return;
      }
      long sentAt = System.nanoTime();
      long fence = server.tryTake(key, owner, leaseNanos);
      if (fence > 0) {
        if (!future.complete(new MemoryLease(key, owner, fence, sentAt))) {
          wakeAll(server.release(key, owner));
        }
        return;
      }
      cancelRecheck();
      long delay = Math.max(MIN_RECHECK_NANOS, server.remainingNanos(key));
      try {
        recheck = context.scheduler().schedule(this::retry, delay, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        future.cancel(false);
      }
    }

    void cancelRecheck() {
      ScheduledFuture<?> r = recheck;
      if (r != null) {
        r.cancel(false);
      }
    }
  }

  private final class MemoryLease implements BackendLease {
    private final String key;
    private final String owner;
    private final long fence;
    private final long acquiredAt;

    MemoryLease(String key, String owner, long fence, long acquiredAt) {
      this.key = key;
      this.owner = owner;
      this.fence = fence;
      this.acquiredAt = acquiredAt;
    }

    @Override
    public long fencingToken() {
      return fence;
    }

    @Override
    public long acquiredAtNanos() {
      return acquiredAt;
    }

    @Override
    public CompletableFuture<Boolean> renew(Duration leaseTime) {
      return CompletableFuture.completedFuture(
          server.renew(key, owner, Checks.toNanosSaturated(leaseTime)));
    }

    @Override
    public CompletableFuture<Boolean> confirm(Duration leaseTime) {
      return renew(leaseTime);
    }

    @Override
    public CompletableFuture<Boolean> release() {
      List<Waiter> toWake = server.release(key, owner);
      wakeAll(toWake);
      return CompletableFuture.completedFuture(toWake != null);
    }

    @Override
    public CompletableFuture<Boolean> releaseKeeping(Duration keepFor) {
      // woken waiters find the lock kept and re-check when it ends
      List<Waiter> toWake = server.keep(key, owner, Checks.toNanosSaturated(keepFor));
      wakeAll(toWake);
      return CompletableFuture.completedFuture(toWake != null);
    }
  }
}
