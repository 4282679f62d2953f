package dev.lockkit.idempotency.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ClaimResult.Status;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.RecordState;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of an {@link dev.lockkit.idempotency.spi.IdempotencyStore}: a store's test class extends this and
 * supplies {@link #store()}. The rules of records one call at a time are inherited from {@link
 * StoreRecordsContract}; this class adds submission tokens and the atomicity of each operation under
 * {@value #THREADS} concurrent threads, with checks that fail if a store splits an operation's read from its
 * write.
 */
public abstract class IdempotencyStoreContract extends StoreRecordsContract {
  /** Threads racing on one key. */
  protected static final int THREADS = 8;
  /** Races per test: a store that is atomic only by luck fails one of them. */
  protected static final int ROUNDS = 25;

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void anIssuedTokenIsConsumedOnceAndThenKnownAsUsed() {
    String token = key();
    assertThat(store.issueToken(token, LONG)).isTrue();
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.CONSUMED);
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.ALREADY_USED);
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.ALREADY_USED);
  }

  @Test
  void aTokenThatWasNeverIssuedIsUnknownAndConsumingItCreatesNothing() {
    String token = key();
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.UNKNOWN);
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.UNKNOWN);
    assertThat(store.issueToken(token, LONG)).isTrue();
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.CONSUMED);
  }

  @Test
  void issuingALiveTokenAgainIsRefusedUsedOrNot() {
    String token = key();
    store.issueToken(token, LONG);
    assertThat(store.issueToken(token, LONG)).isFalse();
    store.consumeToken(token);
    assertThat(store.issueToken(token, LONG)).isFalse();
    assertThat(store.consumeToken(token)).isEqualTo(ConsumeResult.ALREADY_USED);
  }

  @Test
  void tokensExpireUsedOrNot() {
    String unused = key();
    String used = key();
    store.issueToken(unused, SHORT);
    store.issueToken(used, SHORT);
    assertThat(store.consumeToken(used)).isEqualTo(ConsumeResult.CONSUMED);
    await().atMost(PROMPTLY).until(() -> store.consumeToken(used) == ConsumeResult.UNKNOWN);
    assertThat(store.consumeToken(unused)).isEqualTo(ConsumeResult.UNKNOWN);
    assertThat(store.issueToken(used, LONG)).isTrue();
  }

  @Test
  void consumingAUsedTokenKeepsItsExpiry() {
    String token = key();
    store.issueToken(token, SHORT);
    store.consumeToken(token);
    store.consumeToken(token);
    await().atMost(PROMPTLY).until(() -> store.consumeToken(token) == ConsumeResult.UNKNOWN);
  }

  @Test
  void tokensAndRecordsAreSeparateKeySpaces() {
    String key = key();
    store.issueToken(key, LONG);
    assertThat(store.find(key)).isEmpty();
    assertThat(store.claim(key, "fp", 7, LONG)).isEqualTo(ClaimResult.claimed());
    assertThat(store.abandon(key, 7)).isTrue();
    assertThat(store.consumeToken(key)).isEqualTo(ConsumeResult.CONSUMED);
    String other = key();
    store.claim(other, "fp", 7, LONG);
    assertThat(store.consumeToken(other)).isEqualTo(ConsumeResult.UNKNOWN);
    assertThat(store.issueToken(other, LONG)).isTrue();
    assertThat(store.find(other)).contains(StoredRecord.inProgress("fp", 7));
  }

  @Test
  void exactlyOneOfConcurrentConsumersWinsEachToken() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String token = key();
      store.issueToken(token, LONG);
      List<ConsumeResult> results = race(i -> () -> store.consumeToken(token));
      assertThat(results).as("round %s", round).containsOnlyOnce(ConsumeResult.CONSUMED)
          .containsOnly(ConsumeResult.CONSUMED, ConsumeResult.ALREADY_USED);
    }
  }

  @Test
  void exactlyOneOfConcurrentIssuersCreatesAToken() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String token = key();
      assertThat(race(i -> () -> store.issueToken(token, LONG))).as("round %s", round).containsOnlyOnce(true);
    }
  }

  @Test
  void concurrentClaimsLeaveOneClaimAndTheLargestFenceWins() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String key = key();
      List<ClaimResult> results = race(i -> () -> store.claim(key, "fp", 100 + i, LONG));
      List<Status> statuses = results.stream().map(ClaimResult::status).toList();
      assertThat(statuses).as("round %s", round).containsOnlyOnce(Status.CLAIMED)
          .doesNotContain(Status.COMPLETED, Status.FINGERPRINT_MISMATCH);
      // the largest fence either claimed first or took over from whoever did: no claim can refuse it
      assertThat(results.get(THREADS - 1).isClaimed()).as("round %s: %s", round, statuses).isTrue();
      assertThat(store.find(key)).as("round %s", round).contains(StoredRecord.inProgress("fp", 100 + THREADS - 1));
    }
  }

  @Test
  void concurrentClaimsWithDifferentFingerprintsLeaveOneRequestsRecord() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String key = key();
      List<ClaimResult> results = race(i -> () -> store.claim(key, "request-" + i, 100 + i, LONG));
      long claimed = results.stream().filter(ClaimResult::isClaimed).count();
      assertThat(claimed).as("round %s: %s", round, results).isEqualTo(1);
      int winner = results.indexOf(results.stream().filter(ClaimResult::isClaimed).findFirst().orElseThrow());
      assertThat(store.find(key)).contains(StoredRecord.inProgress("request-" + winner, 100 + winner));
    }
  }

  @Test
  void ofConcurrentCompletesUnderOneFenceExactlyOneIsStored() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String key = key();
      store.claim(key, "fp", 7, LONG);
      List<Boolean> results = race(i -> () -> store.complete(key, 7, success("outcome-" + i), LONG));
      // each call is told that the claim's outcome is stored; one of them is, whole
      assertThat(results).as("round %s", round).containsOnly(true);
      StoredRecord stored = store.find(key).orElseThrow();
      assertThat(stored.state()).isEqualTo(RecordState.COMPLETED);
      assertThat(java.util.stream.IntStream.range(0, THREADS)
          .mapToObj(i -> StoredRecord.completed("fp", 7, success("outcome-" + i)))).as("round %s", round)
          .containsOnlyOnce(stored);
    }
  }

  @Test
  void aCompleteRacingATakeoverEitherStoresBeforeItOrIsRefused() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String key = key();
      store.claim(key, "fp", 7, LONG);
      List<Object> results = race(i -> i % 2 == 0
          ? () -> store.complete(key, 7, success("late"), LONG)
          : () -> store.claim(key, "fp", 8, LONG));
      boolean stored = results.contains(Boolean.TRUE);
      StoredRecord now = store.find(key).orElseThrow();
      if (stored) {
        // the complete came first: every claim after it found the outcome, none took over
        assertThat(now).isEqualTo(StoredRecord.completed("fp", 7, success("late")));
        assertThat(results).as("round %s", round).filteredOn(r -> r instanceof ClaimResult c && c.isClaimed())
            .isEmpty();
      } else {
        assertThat(now).isEqualTo(StoredRecord.inProgress("fp", 8));
      }
    }
  }

  @Test
  void ofConcurrentAbandonAndCompleteUnderOneFenceExactlyOneTakesEffect() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      String key = key();
      store.claim(key, "fp", 7, LONG);
      Outcome outcome = success("done");
      List<Boolean> results = race(i -> i % 2 == 0
          ? () -> store.abandon(key, 7)
          : () -> store.complete(key, 7, outcome, LONG));
      // either an abandon came first (one abandon true, every complete false: the claim is gone) or a complete
      // did (every abandon false, every complete true: the claim's outcome is stored)
      List<Boolean> abandons = new ArrayList<>();
      List<Boolean> completes = new ArrayList<>();
      for (int i = 0; i < results.size(); i++) {
        (i % 2 == 0 ? abandons : completes).add(results.get(i));
      }
      boolean completed = store.find(key).isPresent();
      if (completed) {
        assertThat(abandons).as("round %s", round).containsOnly(false);
        assertThat(completes).as("round %s", round).containsOnly(true);
        assertThat(store.find(key)).contains(StoredRecord.completed("fp", 7, outcome));
      } else {
        assertThat(abandons).as("round %s", round).containsOnlyOnce(true);
        assertThat(completes).as("round %s", round).containsOnly(false);
      }
    }
  }

  /** Runs {@value #THREADS} calls at once (released together by a barrier) and returns their results. */
  private <T> List<T> race(IntFunction<Callable<? extends T>> calls) throws Exception {
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Future<? extends T>> futures = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      Callable<? extends T> call = calls.apply(i);
      futures.add(pool.submit(() -> {
        start.await(30, TimeUnit.SECONDS);
        return call.call();
      }));
    }
    List<T> results = new ArrayList<>();
    for (Future<? extends T> future : futures) {
      results.add(future.get(60, TimeUnit.SECONDS));
    }
    return results;
  }
}
