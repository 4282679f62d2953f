package dev.lockkit.faults;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import dev.lockkit.spi.LockClients;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Deliberately broken lock servers for showing that the checker catches what it should: one that grants
 * every request (no mutual exclusion), and one that is exclusive but hands out tokens from any supplier
 * (tokens that go backwards). Leases never expire. Clients are built with {@link LockClients#create}, so the
 * client side is lockkit's own.
 */
final class FakeLockServer {
  private final boolean exclusive;
  private final LongSupplier tokens;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private @Nullable String owner; // guarded by this

  private record Waiter(String owner, CompletableFuture<BackendLease> future) {}

  private FakeLockServer(boolean exclusive, LongSupplier tokens) {
    this.exclusive = exclusive;
    this.tokens = tokens;
  }

  /** A server that grants every request at once. */
  static FakeLockServer grantingEverything(LongSupplier tokens) {
    return new FakeLockServer(false, tokens);
  }

  /** A server with mutual exclusion whose tokens come from the supplier. */
  static FakeLockServer exclusive(LongSupplier tokens) {
    return new FakeLockServer(true, tokens);
  }

  LockClient client(LockOptions options) {
    return LockClients.create(options, context -> new LockBackend() {
      @Override
      public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
        return take(request);
      }

      @Override
      public String describe() {
        return "fake:" + (exclusive ? "exclusive" : "granting-everything");
      }

      @Override
      public void close() {}
    });
  }

  private CompletableFuture<BackendLease> take(AcquireRequest request) {
    CompletableFuture<BackendLease> future = new CompletableFuture<>();
    synchronized (this) {
      if (!exclusive || owner == null) {
        owner = request.ownerToken();
        return CompletableFuture.completedFuture(new FakeLease(request.ownerToken(), tokens.getAsLong()));
      }
      if (!request.waits()) {
        return CompletableFuture.completedFuture(null);
      }
      waiters.add(new Waiter(request.ownerToken(), future));
    }
    future.whenComplete((lease, failure) -> {
      if (failure != null) {
        synchronized (this) {
          waiters.removeIf(w -> w.future == future);
        }
      }
    });
    return future;
  }

  private boolean release(String releasing) {
    Waiter next;
    synchronized (this) {
      if (exclusive && !releasing.equals(owner)) {
        return false;
      }
      next = waiters.poll();
      owner = next == null ? null : next.owner;
    }
    if (next != null && !next.future.complete(new FakeLease(next.owner, tokens.getAsLong()))) {
      release(next.owner); // that waiter gave up meanwhile: pass the lock on
    }
    return true;
  }

  private final class FakeLease implements BackendLease {
    private final String owner;
    private final long token;
    private final long at = System.nanoTime();

    FakeLease(String owner, long token) {
      this.owner = owner;
      this.token = token;
    }

    @Override
    public long fencingToken() {
      return token;
    }

    @Override
    public long acquiredAtNanos() {
      return at;
    }

    @Override
    public CompletableFuture<Boolean> renew(Duration leaseTime) {
      synchronized (FakeLockServer.this) {
        return CompletableFuture.completedFuture(!exclusive || owner.equals(FakeLockServer.this.owner));
      }
    }

    @Override
    public CompletableFuture<Boolean> confirm(Duration leaseTime) {
      return renew(leaseTime);
    }

    @Override
    public CompletableFuture<Boolean> release() {
      return CompletableFuture.completedFuture(FakeLockServer.this.release(owner));
    }
  }
}
