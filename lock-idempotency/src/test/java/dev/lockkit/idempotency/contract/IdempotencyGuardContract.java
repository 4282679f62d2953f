package dev.lockkit.idempotency.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockSettings;
import dev.lockkit.idempotency.ClaimLostException;
import dev.lockkit.idempotency.DuplicatePolicy;
import dev.lockkit.idempotency.FingerprintMismatchException;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.IdempotentAction;
import dev.lockkit.idempotency.RequestInProgressException;
import dev.lockkit.idempotency.spi.RecordState;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The contract of an {@link IdempotencyGuard} on a lock backend and a store: a test class extends this and
 * supplies {@link #connect} and {@link #store()}. One request at a time is inherited from {@link
 * GuardOutcomesContract}; this class adds concurrent duplicates, waiting and failing fast, takeover of a claim
 * whose lease ran out, and interruption. Requests of different "processes" use different lock clients.
 */
public abstract class IdempotencyGuardContract extends GuardOutcomesContract {
  private static final int THREADS = 8;

  /** An action that counts its runs, says it started, and returns only once {@code proceed} opens. */
  private static IdempotentAction<String> blocking(AtomicInteger runs, CountDownLatch started,
      CountDownLatch proceed) {
    return claim -> {
      int run = runs.incrementAndGet();
      started.countDown();
      assertThat(proceed.await(PROMPTLY.toMillis() * 2, TimeUnit.MILLISECONDS)).as("released by the test").isTrue();
      return "result-" + run;
    };
  }

  @Test
  void concurrentDuplicatesRunTheActionOnceAndAllGetItsResult() throws Exception {
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch entered = new CountDownLatch(THREADS);
    List<Future<String>> results = new ArrayList<>();
    IdempotencyGuard shared = guard().duplicates(DuplicatePolicy.waitAtMost(PROMPTLY)).build();
    for (int i = 0; i < THREADS; i++) {
      // half the requests share a client (threads of one process), the others have their own (processes)
      IdempotencyGuard guard = i % 2 == 0 ? shared : guard().duplicates(DuplicatePolicy.waitAtMost(PROMPTLY)).build();
      results.add(async(() -> {
        entered.countDown();
        return guard.execute(key, "fp", claim -> {
          // the duplicates are inside execute before the action ends: they must wait for it, not run it
          assertThat(entered.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
          return "result-" + runs.incrementAndGet();
        });
      }));
    }
    for (Future<String> result : results) {
      assertThat(get(result)).isEqualTo("result-1");
    }
    assertThat(runs).hasValue(1);
  }

  @Test
  void withFailFastADuplicateIsToldTheRequestIsInProgressAndLaterGetsTheResult() throws Exception {
    IdempotencyGuard first = guard().build();
    IdempotencyGuard duplicate = guard().duplicates(DuplicatePolicy.failFast()).build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Future<String> running = async(() -> first.execute(key, "fp", blocking(runs, started, proceed)));
    assertThat(started.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThatThrownBy(() -> duplicate.execute(key, "fp", blocking(runs, started, proceed)))
        .isInstanceOf(RequestInProgressException.class).hasMessageContaining(key.toString());
    proceed.countDown();
    assertThat(get(running)).isEqualTo("result-1");
    assertThat(duplicate.execute(key, "fp", blocking(runs, started, proceed))).isEqualTo("result-1");
    assertThat(runs).hasValue(1);
  }

  @Test
  void aWaitingDuplicateGivesUpWhenItsWaitIsOver() throws Exception {
    IdempotencyGuard first = guard().build();
    Duration wait = Duration.ofMillis(300);
    IdempotencyGuard duplicate = guard().duplicates(DuplicatePolicy.waitAtMost(wait)).build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Future<String> running = async(() -> first.execute(key, "fp", blocking(runs, started, proceed)));
    assertThat(started.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThatThrownBy(() -> duplicate.execute(key, "fp", counting(runs)))
        .isInstanceOf(RequestInProgressException.class).hasMessageContaining(wait.toString());
    proceed.countDown();
    assertThat(get(running)).isEqualTo("result-1");
    assertThat(runs).hasValue(1);
  }

  @Test
  void aKeyReusedWithAnotherFingerprintIsRefusedWhileInProgress() throws Exception {
    IdempotencyGuard first = guard().build();
    IdempotencyGuard other = guard().build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Future<String> running = async(() -> first.execute(key, "order 1", blocking(runs, started, proceed)));
    assertThat(started.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThatThrownBy(() -> other.execute(key, "order 2", counting(runs)))
        .isInstanceOf(FingerprintMismatchException.class);
    proceed.countDown();
    assertThat(get(running)).isEqualTo("result-1");
    assertThat(store.find(key.storeKey()).orElseThrow().fingerprint()).isEqualTo("order 1");
    assertThat(runs).hasValue(1);
  }

  @Test
  void aClaimWhoseLeaseRanOutIsTakenOverAndItsLateResultIsRefused() throws Exception {
    LockSettings shortLease = LockSettings.builder().leaseTime(Duration.ofSeconds(1)).withoutRenewal().build();
    IdempotencyGuard paused = guard().lockSettings(shortLease).build();
    IdempotencyGuard next = guard().lockSettings(shortLease).duplicates(DuplicatePolicy.waitAtMost(PROMPTLY))
        .build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    AtomicLong firstToken = new AtomicLong();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Future<String> first = async(() -> paused.execute(key, "fp", claim -> {
      firstToken.set(claim.fencingToken());
      return blocking(runs, started, proceed).run(claim);
    }));
    assertThat(started.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    AtomicLong secondToken = new AtomicLong();
    // waits for the first lease to run out (about 1 s), takes the claim over and completes
    String second = next.execute(key, "fp", claim -> {
      secondToken.set(claim.fencingToken());
      return "result-" + runs.incrementAndGet();
    });
    assertThat(second).isEqualTo("result-2");
    assertThat(secondToken.get()).isGreaterThan(firstToken.get());
    proceed.countDown();
    assertThatThrownBy(() -> get(first)).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfSatisfying(ClaimLostException.class, e -> {
          assertThat(e.fencingToken()).isEqualTo(firstToken.get());
          assertThat(e.result()).isEqualTo("result-1");
        });
    StoredRecord stored = store.find(key.storeKey()).orElseThrow();
    assertThat(stored.state()).isEqualTo(RecordState.COMPLETED);
    assertThat(stored.fence()).isEqualTo(secondToken.get());
    assertThat(next.execute(key, "fp", counting(runs))).isEqualTo("result-2");
    assertThat(runs).hasValue(2);
  }

  @Test
  void aLateFailureAfterATakeoverIsNotStoredAndItsCallerIsTold() throws Exception {
    LockSettings shortLease = LockSettings.builder().leaseTime(Duration.ofSeconds(1)).withoutRenewal().build();
    IdempotencyGuard paused = guard().lockSettings(shortLease).storeFailures(e -> true).build();
    IdempotencyGuard next = guard().lockSettings(shortLease).duplicates(DuplicatePolicy.waitAtMost(PROMPTLY))
        .build();
    IdempotencyKey key = key();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    IllegalStateException late = new IllegalStateException("declined, too late");
    Future<String> first = async(() -> paused.execute(key, "fp", claim -> {
      started.countDown();
      assertThat(proceed.await(PROMPTLY.toMillis() * 2, TimeUnit.MILLISECONDS)).isTrue();
      throw late;
    }));
    assertThat(started.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(next.execute(key, "fp", claim -> "approved")).isEqualTo("approved");
    proceed.countDown();
    assertThatThrownBy(() -> get(first)).cause().isInstanceOf(ClaimLostException.class).cause().isSameAs(late);
    assertThat(next.execute(key, "fp", claim -> "ran again")).isEqualTo("approved");
  }

  @Test
  void aCrashedClaimIsTakenOverByTheNextRequest() throws Exception {
    IdempotencyKey key = key();
    // a request that claimed the key under a token and died before completing: its lease is long gone
    assertThat(store.claim(key.storeKey(), "fp", 1, Duration.ofMinutes(10)).isClaimed()).isTrue();
    AtomicInteger runs = new AtomicInteger();
    assertThat(guard().build().execute(key, "fp", counting(runs))).isEqualTo("result-1");
    assertThat(store.find(key.storeKey()).orElseThrow().fence()).isGreaterThan(1);
  }

  @Test
  void anInterruptedWaitingDuplicateThrowsAndLeavesNothingBehind() throws Exception {
    IdempotencyGuard first = guard().build();
    IdempotencyGuard duplicate = guard().duplicates(DuplicatePolicy.waitAtMost(PROMPTLY.multipliedBy(3))).build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    Future<String> running = async(() -> first.execute(key, "fp", blocking(runs, started, proceed)));
    assertThat(started.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    AtomicInteger waiterOutcome = new AtomicInteger();
    Thread waiter = new Thread(() -> {
      try {
        duplicate.execute(key, "fp", counting(runs));
        waiterOutcome.set(1);
      } catch (InterruptedException e) {
        waiterOutcome.set(2);
      }
    }, "waiting-duplicate");
    waiter.start();
    await().atMost(PROMPTLY).until(() -> waiter.getState() == Thread.State.WAITING
        || waiter.getState() == Thread.State.TIMED_WAITING);
    waiter.interrupt();
    waiter.join(PROMPTLY.toMillis());
    assertThat(waiter.isAlive()).isFalse();
    assertThat(waiterOutcome).as("1 = ran or replayed, 2 = interrupted").hasValue(2);
    proceed.countDown();
    assertThat(get(running)).isEqualTo("result-1");
    assertThat(duplicate.execute(key, "fp", counting(runs))).isEqualTo("result-1");
    assertThat(runs).hasValue(1);
  }

  @Test
  void anInterruptedActionGivesTheKeyUpAndRethrowsTheInterrupt() throws Exception {
    IdempotencyGuard guard = guard().storeFailures(e -> true).build();
    IdempotencyKey key = key();
    assertThatThrownBy(() -> guard.execute(key, "fp", claim -> {
      throw new InterruptedException("shutting down");
    })).isInstanceOf(InterruptedException.class).hasMessage("shutting down");
    assertThat(store.find(key.storeKey())).isEmpty();
    assertThat(guard.execute(key, "fp", claim -> "retried")).isEqualTo("retried");
  }
}
