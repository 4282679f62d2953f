package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.DistributedLock;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import dev.lockkit.spi.LockClients;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The contention workload must be able to fail: against a backend that grants every request (no mutual
 * exclusion at all), it reports overlapping sections.
 */
class BrokenBackendIsCaughtTest {

  @Test
  void theOverlapCheckerCatchesABackendWithoutMutualExclusion() throws Exception {
    AtomicLong tokens = new AtomicLong();
    List<LockClient> clients = List.of(broken(tokens), broken(tokens));
    try {
      List<DistributedLock> locks = List.of(clients.get(0).lock("x"), clients.get(1).lock("x"));
      Contention.Result result = Contention.run(locks, 2, 200, Duration.ofSeconds(5), Duration.ofSeconds(60),
          Duration.ofMillis(1));
      assertThat(result.failures()).isEmpty();
      assertThat(result.history().overlaps()).isNotEmpty();
      assertThat(result.maxOccupancy()).isGreaterThan(1);
    } finally {
      clients.forEach(LockClient::close);
    }
  }

  private static LockClient broken(AtomicLong tokens) {
    return LockClients.create(LockOptions.defaults(), context -> new LockBackend() {
      @Override
      public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
        long token = tokens.incrementAndGet();
        long at = System.nanoTime();
        return CompletableFuture.completedFuture(new BackendLease() {
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
            return CompletableFuture.completedFuture(true);
          }

          @Override
          public CompletableFuture<Boolean> confirm(Duration leaseTime) {
            return CompletableFuture.completedFuture(true);
          }

          @Override
          public CompletableFuture<Boolean> release() {
            return CompletableFuture.completedFuture(true);
          }
        });
      }

      @Override
      public String describe() {
        return "broken:";
      }

      @Override
      public void close() {}
    });
  }
}
