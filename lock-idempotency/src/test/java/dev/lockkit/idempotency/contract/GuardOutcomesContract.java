package dev.lockkit.idempotency.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.idempotency.FingerprintMismatchException;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.IdempotentAction;
import dev.lockkit.idempotency.IdempotentActionException;
import dev.lockkit.idempotency.OutcomeCodec;
import dev.lockkit.idempotency.ReplayedFailureException;
import dev.lockkit.idempotency.RequestInProgressException;
import dev.lockkit.idempotency.spi.RecordState;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The first half of {@link IdempotencyGuardContract}: what one request at a time sees: runs, replays,
 * fingerprints, stored and unstored failures, retention, keys, bad input.
 */
public abstract class GuardOutcomesContract extends GuardContractBase {

  /** A checked failure of the kind an application stores (a declined payment). */
  protected static final class Declined extends Exception {
    private static final long serialVersionUID = 1L;

    Declined(String message) {
      super(message);
    }
  }

  /** An action that counts its runs and returns {@code result-<run>}. */
  protected static IdempotentAction<String> counting(AtomicInteger runs) {
    return claim -> "result-" + runs.incrementAndGet();
  }

  @Test
  void theFirstRequestRunsTheActionAndStoresItsResultUnderItsToken() throws Exception {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    AtomicLong token = new AtomicLong();
    String result = guard.execute(key, "fp", claim -> {
      token.set(claim.fencingToken());
      assertThat(claim.isValid()).isTrue();
      assertThat(claim.key()).isEqualTo(key);
      return "charged";
    });
    assertThat(result).isEqualTo("charged");
    assertThat(token.get()).isPositive();
    assertThat(store.find(key.storeKey())).contains(StoredRecord.completed("fp", token.get(),
        dev.lockkit.idempotency.spi.Outcome.success("charged".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aDuplicateReplaysTheStoredResultWithoutRunningTheAction() throws Exception {
    IdempotencyGuard guard = guard().build();
    IdempotencyGuard elsewhere = guard().build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    assertThat(guard.execute(key, "fp", counting(runs))).isEqualTo("result-1");
    assertThat(guard.execute(key, "fp", counting(runs))).isEqualTo("result-1");
    assertThat(elsewhere.execute(key, "fp", counting(runs))).isEqualTo("result-1");
    assertThat(runs).hasValue(1);
  }

  @Test
  void binaryResultsReplayByteForByte() throws Exception {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    assertThat(guard.execute(key, "fp", OutcomeCodec.bytes(), claim -> all.clone())).containsExactly(all);
    assertThat(guard.execute(key, "fp", OutcomeCodec.bytes(), claim -> new byte[] {1})).containsExactly(all);
  }

  @Test
  void aKeyReusedWithAnotherFingerprintIsRefusedAfterCompletion() throws Exception {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    guard.execute(key, "order 1", counting(runs));
    StoredRecord before = store.find(key.storeKey()).orElseThrow();
    assertThatThrownBy(() -> guard.execute(key, "order 2", counting(runs)))
        .isInstanceOf(FingerprintMismatchException.class).hasMessageContaining(key.toString());
    assertThat(runs).hasValue(1);
    assertThat(store.find(key.storeKey())).contains(before);
  }

  @Test
  void aChosenFailureIsStoredAndReplayedWithoutRunningAgain() throws Exception {
    IdempotencyGuard guard = guard().storeFailures(e -> e instanceof Declined).build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    IdempotentAction<String> declining = claim -> {
      runs.incrementAndGet();
      throw new Declined("card declined \u00e9 \ud83d\udcb3");
    };
    assertThatThrownBy(() -> guard.execute(key, "fp", declining)).isInstanceOf(IdempotentActionException.class)
        .cause().isInstanceOf(Declined.class);
    assertThat(store.find(key.storeKey()).orElseThrow().state()).isEqualTo(RecordState.COMPLETED);
    assertThatThrownBy(() -> guard.execute(key, "fp", counting(runs)))
        .isInstanceOfSatisfying(ReplayedFailureException.class, e -> {
          assertThat(e.failureType()).isEqualTo(Declined.class.getName());
          assertThat(e.failureMessage()).isEqualTo("card declined \u00e9 \ud83d\udcb3");
        });
    assertThat(runs).hasValue(1);
  }

  @Test
  void aFailureWithoutMessageIsReplayedWithAnEmptyOne() throws Exception {
    IdempotencyGuard guard = guard().storeFailures(e -> e instanceof IllegalStateException).build();
    IdempotencyKey key = key();
    assertThatThrownBy(() -> guard.execute(key, "fp", claim -> {
      throw new IllegalStateException();
    })).isExactlyInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> guard.execute(key, "fp", claim -> "never"))
        .isInstanceOfSatisfying(ReplayedFailureException.class, e -> assertThat(e.failureMessage()).isEmpty());
  }

  @Test
  void anUnchosenFailureGivesTheKeyUpAndARetryRunsTheActionAgain() throws Exception {
    IdempotencyGuard guard = guard().storeFailures(e -> e instanceof Declined).build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    IllegalStateException timeout = new IllegalStateException("gateway timed out");
    assertThatThrownBy(() -> guard.execute(key, "fp", claim -> {
      runs.incrementAndGet();
      throw timeout;
    })).isSameAs(timeout);
    assertThat(store.find(key.storeKey())).isEmpty();
    assertThatThrownBy(() -> guard.execute(key, "fp", claim -> {
      runs.incrementAndGet();
      throw new java.io.IOException("connection reset");
    })).isInstanceOf(IdempotentActionException.class).hasRootCauseMessage("connection reset");
    assertThat(store.find(key.storeKey())).isEmpty();
    assertThat(guard.execute(key, "fp", counting(runs))).isEqualTo("result-3");
    assertThat(guard.execute(key, "fp", counting(runs))).isEqualTo("result-3");
  }

  @Test
  void anErrorOfTheActionPassesThroughAndGivesTheKeyUp() throws Exception {
    IdempotencyGuard guard = guard().storeFailures(e -> true).build();
    IdempotencyKey key = key();
    StackOverflowError error = new StackOverflowError("deep");
    assertThatThrownBy(() -> guard.execute(key, "fp", claim -> {
      throw error;
    })).isSameAs(error);
    assertThat(store.find(key.storeKey())).isEmpty();
  }

  @Test
  void aNullResultIsRefusedAndGivesTheKeyUp() {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    IdempotentAction<String> returningNull = claim -> null;
    assertThatThrownBy(() -> guard.execute(key, "fp", returningNull)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("returned null");
    assertThat(store.find(key.storeKey())).isEmpty();
  }

  @Test
  void anOutcomeExpiresAfterItsRetentionAndTheKeyIsFreshAgain() throws Exception {
    IdempotencyGuard guard = guard().retention(Duration.ofMillis(400)).build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    assertThat(guard.execute(key, "fp", counting(runs))).isEqualTo("result-1");
    await().atMost(PROMPTLY).until(() -> store.find(key.storeKey()).isEmpty());
    assertThat(guard.execute(key, "another request", counting(runs))).isEqualTo("result-2");
  }

  @Test
  void aNestedCallOnTheSameKeyIsToldTheRequestIsInProgress() throws Exception {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    String result = guard.execute(key, "fp", claim -> {
      assertThatThrownBy(() -> guard.execute(key, "fp", c -> "inner"))
          .isInstanceOf(RequestInProgressException.class);
      return "outer";
    });
    assertThat(result).isEqualTo("outer");
    assertThat(guard.execute(key, "fp", c -> "again")).isEqualTo("outer");
  }

  @Test
  void scopesKeepEqualKeysApart() throws Exception {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    IdempotencyKey otherTenant = IdempotencyKey.of(key.scope() + "-other", key.key());
    assertThat(guard.execute(key, "fp", c -> "mine")).isEqualTo("mine");
    assertThat(guard.execute(otherTenant, "fp", c -> "theirs")).isEqualTo("theirs");
    assertThat(guard.execute(key, "fp", c -> "again")).isEqualTo("mine");
  }

  @Test
  void keysThatAreNoLockNamesWorkAndStayApart() throws Exception {
    IdempotencyGuard guard = guard().build();
    String base = key().key();
    String[] keys = {base + " with spaces/and/slashes", base + "/..", base + "?*%", base + "\u00e9\ud83d\udcb3",
        base + "x".repeat(IdempotencyKey.MAX_KEY_LENGTH - base.length() - 1), base + "ORDER", base + "order"};
    for (String k : keys) {
      IdempotencyKey key = IdempotencyKey.of("tenant \u00e9/" + base, k);
      assertThat(guard.execute(key, "fp", c -> k)).isEqualTo(k);
    }
    for (String k : keys) {
      IdempotencyKey key = IdempotencyKey.of("tenant \u00e9/" + base, k);
      assertThat(guard.execute(key, "fp", c -> "ran again")).isEqualTo(k);
    }
  }

  @Test
  void badArgumentsAreRefusedByNameBeforeAnythingRuns() {
    IdempotencyGuard guard = guard().build();
    IdempotencyKey key = key();
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> guard.execute(null, "fp", counting(runs)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
    assertThatThrownBy(() -> guard.execute(key, null, counting(runs)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fingerprint");
    assertThatThrownBy(() -> guard.execute(key, "fp", null, claim -> "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codec");
    assertThatThrownBy(() -> guard.execute(key, "fp", OutcomeCodec.utf8(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("action");
    assertThatThrownBy(() -> guard.execute(key, "f\np", counting(runs)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fingerprint")
        .hasMessageContaining("control");
    assertThatThrownBy(() -> guard.execute(key, "f".repeat(IdempotencyGuard.MAX_FINGERPRINT_LENGTH + 1),
        counting(runs))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fingerprint");
    assertThat(runs).hasValue(0);
    assertThat(store.find(key.storeKey())).isEmpty();
  }
}
