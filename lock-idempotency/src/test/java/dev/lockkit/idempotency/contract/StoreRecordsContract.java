package dev.lockkit.idempotency.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ClaimResult.Status;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The first half of {@link IdempotencyStoreContract}, which a store's test class extends: the rules of records,
 * one call at a time: claims, takeovers, fenced completion and abandonment, fingerprints, exact fences, binary
 * outcomes and keys, expiry.
 *
 * <p>Keys are unique to each test, so {@link #store()} may return one store shared by all tests (a server's).
 * Expiry is checked against the store's own clock with short times to live and generous bounds.
 */
public abstract class StoreRecordsContract {
  /** A time to live no test outlives. */
  protected static final Duration LONG = Duration.ofMinutes(10);
  /** A time to live that tests wait out. */
  protected static final Duration SHORT = Duration.ofMillis(400);
  /** Bound on waiting for an expiry that is due. */
  protected static final Duration PROMPTLY = Duration.ofSeconds(15);
  /** 2^53: the first integer above which doubles skip integers. */
  protected static final long TWO_TO_53 = 9007199254740992L;

  /** The store under test. */
  protected IdempotencyStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private int keys;

  /**
   * The store under test: a new one, or one shared by the tests of a class (each test uses keys of its own).
   *
   * @return the store
   */
  protected abstract IdempotencyStore store();

  @BeforeEach
  void takeStore() {
    store = store();
  }

  /** A store key unique to this test. */
  protected String key() {
    return IdempotencyKey.of("contract-" + run, "key-" + ++keys).storeKey();
  }

  protected static Outcome success(String s) {
    return Outcome.success(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aClaimOnAKeyWithoutRecordWritesAnInProgressRecord() {
    String key = key();
    assertThat(store.find(key)).isEmpty();
    assertThat(store.claim(key, "fp", 7, LONG)).isEqualTo(ClaimResult.claimed());
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 7));
  }

  @Test
  void aLargerFenceWithTheSameFingerprintTakesOverAnInProgressClaim() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    assertThat(store.claim(key, "fp", 8, LONG))
        .isEqualTo(ClaimResult.found(Status.TAKEN_OVER, StoredRecord.inProgress("fp", 7)));
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 8));
  }

  @Test
  void aSmallerOrEqualFenceDoesNotTakeOver() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    assertThat(store.claim(key, "fp", 7, LONG))
        .isEqualTo(ClaimResult.found(Status.IN_PROGRESS, StoredRecord.inProgress("fp", 7)));
    assertThat(store.claim(key, "fp", 6, LONG))
        .isEqualTo(ClaimResult.found(Status.IN_PROGRESS, StoredRecord.inProgress("fp", 7)));
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 7));
  }

  @Test
  void fencesAreComparedAsNumbersNotAsText() {
    String key = key();
    store.claim(key, "fp", 999, LONG);
    assertThat(store.claim(key, "fp", 1000, LONG).status()).isEqualTo(Status.TAKEN_OVER);
    String other = key();
    store.claim(other, "fp", 1000, LONG);
    assertThat(store.claim(other, "fp", 999, LONG).status()).isEqualTo(Status.IN_PROGRESS);
    assertThat(store.complete(other, 999, success("late"), LONG)).isFalse();
    assertThat(store.find(other)).contains(StoredRecord.inProgress("fp", 1000));
  }

  @Test
  void aClaimOnACompletedKeyFindsTheOutcomeAndWritesNothing() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    store.complete(key, 7, success("done"), LONG);
    StoredRecord completed = StoredRecord.completed("fp", 7, success("done"));
    assertThat(store.claim(key, "fp", 9, LONG)).isEqualTo(ClaimResult.found(Status.COMPLETED, completed));
    assertThat(store.find(key)).contains(completed);
  }

  @Test
  void aDifferentFingerprintIsRefusedInEitherStateAndLeavesTheRecord() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    assertThat(store.claim(key, "FP", 8, LONG))
        .isEqualTo(ClaimResult.found(Status.FINGERPRINT_MISMATCH, StoredRecord.inProgress("fp", 7)));
    assertThat(store.claim(key, "", 8, LONG).status()).isEqualTo(Status.FINGERPRINT_MISMATCH);
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 7));
    store.complete(key, 7, success("done"), LONG);
    StoredRecord completed = StoredRecord.completed("fp", 7, success("done"));
    assertThat(store.claim(key, "fp ", 8, LONG)).isEqualTo(ClaimResult.found(Status.FINGERPRINT_MISMATCH, completed));
    assertThat(store.find(key)).contains(completed);
  }

  @Test
  void completeStoresTheOutcomeOnlyUnderTheExactFence() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    assertThat(store.complete(key, 6, success("older"), LONG)).isFalse();
    assertThat(store.complete(key, 8, success("newer"), LONG)).isFalse();
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 7));
    assertThat(store.complete(key, 7, success("mine"), LONG)).isTrue();
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", 7, success("mine")));
  }

  @Test
  void aSecondCompleteUnderTheSameFenceSaysStoredAndKeepsTheFirstOutcome() {
    // a retried complete whose first answer was lost, or an outcome committed in the action's own transaction
    // (JdbcIdempotency): the claim's outcome is stored, so the caller must not be told its claim was lost
    String key = key();
    store.claim(key, "fp", 7, LONG);
    store.complete(key, 7, success("first"), LONG);
    assertThat(store.complete(key, 7, success("second"), LONG)).isTrue();
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", 7, success("first")));
    store.claim(key, "fp", 8, LONG);   // a completed record is never taken over
    assertThat(store.complete(key, 8, success("newer"), LONG)).isFalse();
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", 7, success("first")));
  }

  @Test
  void completeIsRefusedAfterATakeoverAndTheNewerClaimCompletes() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    store.claim(key, "fp", 8, LONG);
    assertThat(store.complete(key, 7, success("late"), LONG)).isFalse();
    assertThat(store.complete(key, 8, success("newer"), LONG)).isTrue();
    assertThat(store.complete(key, 7, success("late"), LONG)).isFalse();
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", 8, success("newer")));
  }

  @Test
  void completeOnAKeyWithoutRecordWritesNothing() {
    String key = key();
    assertThat(store.complete(key, 7, success("nobody claimed"), LONG)).isFalse();
    assertThat(store.find(key)).isEmpty();
  }

  @Test
  void abandonDeletesOnlyTheClaimUnderTheExactFence() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    assertThat(store.abandon(key, 6)).isFalse();
    assertThat(store.abandon(key, 8)).isFalse();
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 7));
    assertThat(store.abandon(key, 7)).isTrue();
    assertThat(store.find(key)).isEmpty();
    assertThat(store.abandon(key, 7)).isFalse();
    assertThat(store.claim(key, "another request", 8, LONG)).isEqualTo(ClaimResult.claimed());
  }

  @Test
  void abandonNeverDeletesACompletedRecord() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    store.complete(key, 7, success("done"), LONG);
    assertThat(store.abandon(key, 7)).isFalse();
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", 7, success("done")));
  }

  @Test
  void fencesAbove2To53AreComparedExactly() {
    String key = key();
    assertThat(store.claim(key, "fp", TWO_TO_53, LONG).status()).isEqualTo(Status.CLAIMED);
    assertThat(store.claim(key, "fp", TWO_TO_53 + 1, LONG).status()).isEqualTo(Status.TAKEN_OVER);
    assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", TWO_TO_53 + 1));
    assertThat(store.complete(key, TWO_TO_53, success("late"), LONG)).isFalse();
    assertThat(store.abandon(key, TWO_TO_53)).isFalse();
    assertThat(store.complete(key, TWO_TO_53 + 1, success("newer"), LONG)).isTrue();
    assertThat(store.find(key).orElseThrow().fence()).isEqualTo(TWO_TO_53 + 1);
    String other = key();
    store.claim(other, "fp", TWO_TO_53 + 1, LONG);
    assertThat(store.claim(other, "fp", TWO_TO_53, LONG).status()).isEqualTo(Status.IN_PROGRESS);
  }

  @Test
  void fencesNearLongMaxValueAreComparedExactly() {
    String key = key();
    store.claim(key, "fp", Long.MAX_VALUE - 1, LONG);
    assertThat(store.claim(key, "fp", Long.MAX_VALUE, LONG).status()).isEqualTo(Status.TAKEN_OVER);
    assertThat(store.claim(key, "fp", Long.MAX_VALUE - 1, LONG).status()).isEqualTo(Status.IN_PROGRESS);
    assertThat(store.complete(key, Long.MAX_VALUE - 1, success("late"), LONG)).isFalse();
    assertThat(store.complete(key, Long.MAX_VALUE, success("last"), LONG)).isTrue();
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", Long.MAX_VALUE, success("last")));
  }

  @Test
  void outcomeBytesOfEveryValueRoundTrip() {
    byte[] all = new byte[512];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    for (byte[] value : new byte[][] {all, new byte[0], {0}, {(byte) 0xff, 0, (byte) 0x80}}) {
      String key = key();
      store.claim(key, "fp", 7, LONG);
      store.complete(key, 7, Outcome.success(value), LONG);
      assertThat(store.find(key).orElseThrow().outcome().orElseThrow().value()).containsExactly(value);
      assertThat(store.claim(key, "fp", 8, LONG).existing().orElseThrow().outcome().orElseThrow().value())
          .containsExactly(value);
    }
  }

  @Test
  void failureOutcomesRoundTripWithUnicodeAndTheLongestSizes() {
    Outcome[] failures = {
      Outcome.failure("com.example.PaymentDeclined", "card declined: \u00e9\u00e8 \u6f22\u5b57 \ud83d\udcb3\nline 2"),
      Outcome.failure("E", ""),
      Outcome.failure("T".repeat(Outcome.MAX_FAILURE_TYPE), "\u00e9".repeat(Outcome.MAX_FAILURE_MESSAGE)),
    };
    for (Outcome failure : failures) {
      String key = key();
      store.claim(key, "fp", 7, LONG);
      assertThat(store.complete(key, 7, failure, LONG)).isTrue();
      assertThat(store.find(key)).contains(StoredRecord.completed("fp", 7, failure));
    }
  }

  @Test
  void keysAndFingerprintsAreComparedExactlyWithUnicode() {
    String scope = "scope-" + UUID.randomUUID();
    String[] keys = {"order-1", "ORDER-1", "order-1 ", "caf\u00e9", "cafe\u0301", "\ud83d\udcb3/1:2", "a:b", "1:a:b"};
    for (int i = 0; i < keys.length; i++) {
      String key = IdempotencyKey.of(scope, keys[i]).storeKey();
      assertThat(store.claim(key, "fp-\u00e9-" + i, i + 1, LONG).status()).as(keys[i]).isEqualTo(Status.CLAIMED);
    }
    for (int i = 0; i < keys.length; i++) {
      String key = IdempotencyKey.of(scope, keys[i]).storeKey();
      assertThat(store.find(key)).as(keys[i]).contains(StoredRecord.inProgress("fp-\u00e9-" + i, i + 1));
    }
    String longest = IdempotencyKey.of("\ud83d\udcb3".repeat(32), "\u6f22".repeat(IdempotencyKey.MAX_KEY_LENGTH)
        .substring(0, IdempotencyKey.MAX_KEY_LENGTH - 8) + UUID.randomUUID().toString().substring(0, 8)).storeKey();
    assertThat(longest).hasSize(IdempotencyKey.MAX_STORE_KEY_LENGTH);
    store.claim(longest, "fp", 1, LONG);
    store.complete(longest, 1, success("longest"), LONG);
    assertThat(store.find(longest)).contains(StoredRecord.completed("fp", 1, success("longest")));
  }

  @Test
  void aCompletedRecordExpiresAfterItsRetention() {
    String key = key();
    store.claim(key, "fp", 7, LONG);
    store.complete(key, 7, success("done"), SHORT);
    assertThat(store.find(key)).isPresent();
    await().atMost(PROMPTLY).until(() -> store.find(key).isEmpty());
    assertThat(store.claim(key, "another request", 8, LONG)).isEqualTo(ClaimResult.claimed());
  }

  @Test
  void anInProgressRecordExpiresAfterItsTimeToLive() {
    String key = key();
    store.claim(key, "fp", 7, SHORT);
    await().atMost(PROMPTLY).until(() -> store.find(key).isEmpty());
    assertThat(store.complete(key, 7, success("too late"), LONG)).isFalse();
    assertThat(store.claim(key, "fp", 6, LONG)).isEqualTo(ClaimResult.claimed());
  }

  @Test
  void theRetentionOfACompletedRecordCountsFromItsCompletion() {
    String key = key();
    store.claim(key, "fp", 7, SHORT);
    store.complete(key, 7, success("kept"), LONG);
    await().during(SHORT.multipliedBy(3)).atMost(PROMPTLY).until(() -> store.find(key).isPresent());
    String other = key();
    store.claim(other, "fp", 7, LONG);
    store.complete(other, 7, success("short"), SHORT);
    await().atMost(PROMPTLY).until(() -> store.find(other).isEmpty());
  }

  @Test
  void aTakeoverRestartsTheTimeToLive() {
    String key = key();
    store.claim(key, "fp", 7, SHORT);
    store.claim(key, "fp", 8, LONG);
    await().during(SHORT.multipliedBy(3)).atMost(PROMPTLY)
        .until(() -> store.find(key).equals(Optional.of(StoredRecord.inProgress("fp", 8))));
  }
}
