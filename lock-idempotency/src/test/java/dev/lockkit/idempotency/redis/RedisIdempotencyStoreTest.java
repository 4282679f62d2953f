package dev.lockkit.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.IdempotencyStoreException;
import dev.lockkit.idempotency.redis.RedisStores.Setup;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ClaimResult.Status;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.StoredRecord;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the contract does not say of {@link RedisIdempotencyStore}: its keys, scripts, options and failures. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisIdempotencyStoreTest {
  private static final Duration LONG = Duration.ofMinutes(10);
  private static final long ABOVE_2_TO_53 = 9007199254740993L;
  private static final RedisStores STORES = new RedisStores();

  @AfterAll
  static void closeClients() throws Exception {
    STORES.close();
  }

  private static String key() {
    return IdempotencyKey.of("redis-store-test", "{order}/" + UUID.randomUUID()).storeKey();
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aRecordIsAHashUnderThePrefixedHashTaggedKeyWithItsFenceInDecimal(Setup setup) {
    RedisIdempotencyStore store = STORES.store(setup);
    String key = key();
    String redisKey = "lockkit:idem:r:{" + key + "}";
    assertThat(store.recordKey(key)).isEqualTo(redisKey);
    store.claim(key, "fp", ABOVE_2_TO_53, LONG);
    try (Resp r = RedisStores.nodeOf(setup, redisKey)) {
      assertThat(r.call("HMGET", redisKey, "state", "fingerprint", "fence"))
          .isEqualTo(List.of("IN_PROGRESS", "fp", "9007199254740993"));
      assertThat((Long) r.call("PTTL", redisKey)).isBetween(LONG.toMillis() - 60_000, LONG.toMillis());
    }
    store.complete(key, ABOVE_2_TO_53, Outcome.success(new byte[] {0, (byte) 0xff}), Duration.ofSeconds(90));
    try (Resp r = RedisStores.nodeOf(setup, redisKey)) {
      assertThat(r.call("HMGET", redisKey, "state", "value")).isEqualTo(List.of("COMPLETED", "AP8="));
      assertThat((Long) r.call("PTTL", redisKey)).isBetween(30_000L, 90_000L);
    }
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aTokenIsAStringUnderItsOwnKeyThatKeepsItsTimeToLiveWhenConsumed(Setup setup) {
    RedisIdempotencyStore store = STORES.store(setup);
    String key = key();
    String redisKey = "lockkit:idem:t:{" + key + "}";
    assertThat(store.tokenKey(key)).isEqualTo(redisKey);
    store.issueToken(key, Duration.ofSeconds(90));
    try (Resp r = RedisStores.nodeOf(setup, redisKey)) {
      assertThat(r.call("GET", redisKey)).isEqualTo("unused");
      store.consumeToken(key);
      assertThat(r.call("GET", redisKey)).isEqualTo("used");
      assertThat((Long) r.call("PTTL", redisKey)).isBetween(30_000L, 90_000L);
    }
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void storesWithOtherKeyPrefixesDoNotSeeEachOther(Setup setup) {
    RedisIdempotencyStore mine = STORES.store(setup, b -> b.keyPrefix("app-a:idem"));
    RedisIdempotencyStore theirs = STORES.store(setup, b -> b.keyPrefix("app-b:idem"));
    String key = key();
    assertThat(mine.recordKey(key)).isEqualTo("app-a:idem:r:{" + key + "}");
    mine.claim(key, "fp", 7, LONG);
    mine.issueToken(key, LONG);
    assertThat(theirs.find(key)).isEmpty();
    assertThat(theirs.consumeToken(key)).isEqualTo(ConsumeResult.UNKNOWN);
    assertThat(theirs.claim(key, "other", 8, LONG)).isEqualTo(ClaimResult.claimed());
    assertThat(mine.find(key)).contains(StoredRecord.inProgress("fp", 7));
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void everyOperationWorksAfterTheServerForgotItsScripts(Setup setup) {
    RedisIdempotencyStore store = STORES.store(setup);
    String key = key();
    store.claim(key, "fp", 7, LONG);
    RedisStores.flushScripts(setup);
    assertThat(store.claim(key, "fp", 8, LONG).status()).isEqualTo(Status.TAKEN_OVER);
    RedisStores.flushScripts(setup);
    assertThat(store.complete(key, 8, Outcome.failure("E", "m"), LONG)).isTrue();
    RedisStores.flushScripts(setup);
    assertThat(store.find(key)).contains(StoredRecord.completed("fp", 8, Outcome.failure("E", "m")));
    RedisStores.flushScripts(setup);
    String other = key();
    store.claim(other, "fp", 7, LONG);
    RedisStores.flushScripts(setup);
    assertThat(store.abandon(other, 7)).isTrue();
    RedisStores.flushScripts(setup);
    assertThat(store.issueToken(key, LONG)).isTrue();
    RedisStores.flushScripts(setup);
    assertThat(store.consumeToken(key)).isEqualTo(ConsumeResult.CONSUMED);
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void nulAndOtherCodePointsInFingerprintsAndFailuresRoundTrip(Setup setup) {
    RedisIdempotencyStore store = STORES.store(setup);
    String key = key();
    String fingerprint = "fp\u0000\u00e9\ud83d\udcb3";
    Outcome failure = Outcome.failure("Type\u0000", "line\u0000two\r\n\u6f22");
    store.claim(key, fingerprint, 7, LONG);
    assertThat(store.claim(key, "fp", 8, LONG).status()).isEqualTo(Status.FINGERPRINT_MISMATCH);
    store.complete(key, 7, failure, LONG);
    assertThat(store.find(key)).contains(StoredRecord.completed(fingerprint, 7, failure));
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aKeyThatHoldsSomethingElseGivesAStoreExceptionAndStaysAsItWas(Setup setup) {
    RedisIdempotencyStore store = STORES.store(setup);
    String key = key();
    String redisKey = store.recordKey(key);
    try (Resp r = RedisStores.nodeOf(setup, redisKey)) {
      r.call("SET", redisKey, "not a hash");
      assertThatThrownBy(() -> store.claim(key, "fp", 7, LONG)).isInstanceOf(IdempotencyStoreException.class)
          .hasMessageContaining(redisKey).hasMessageContaining("WRONGTYPE").hasCauseInstanceOf(RuntimeException.class);
      assertThat(r.call("GET", redisKey)).isEqualTo("not a hash");
      r.call("DEL", redisKey);
      r.call("HSET", redisKey, "state", "IN_PROGRESS", "fingerprint", "fp", "fence", "9223372036854775808");
      assertThatThrownBy(() -> store.complete(key, 7, Outcome.success(new byte[0]), LONG))
          .isInstanceOf(IdempotencyStoreException.class).hasMessageContaining("not a positive long");
      assertThatThrownBy(() -> store.find(key)).isInstanceOf(IdempotencyStoreException.class);
      r.call("DEL", redisKey);
    }
  }

  @Test
  void aServerThatDoesNotAnswerGivesAStoreExceptionWithinTheClientsTimeout() {
    try (RedisServer server = RedisServer.launch()) {
      RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
          .withTimeout(Duration.ofMillis(500)).build());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        RedisIdempotencyStore store = RedisIdempotencyStore.onLettuce(c.sync()).build();
        String key = key();
        assertThat(store.claim(key, "fp", 7, LONG).isClaimed()).isTrue();
        server.pause();
        try {
          assertThatThrownBy(() -> store.find(key)).isInstanceOf(IdempotencyStoreException.class)
              .hasMessageContaining("find").hasCauseInstanceOf(io.lettuce.core.RedisCommandTimeoutException.class);
        } finally {
          server.resume();
        }
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void anUnreachableServerGivesAStoreException() {
    try (redis.clients.jedis.RedisClient jedis =
        redis.clients.jedis.RedisClient.create("127.0.0.1", RedisServer.freePort())) {
      RedisIdempotencyStore store = RedisIdempotencyStore.onJedis(jedis).build();
      assertThatThrownBy(() -> store.issueToken(key(), LONG)).isInstanceOf(IdempotencyStoreException.class)
          .hasMessageContaining("issue").hasMessageContaining("Jedis");
    }
  }

  @Test
  void theKeyPrefixIsCheckedAndSetOnce() {
    try (redis.clients.jedis.RedisClient jedis =
        redis.clients.jedis.RedisClient.create("127.0.0.1", RedisServer.freePort())) {
      RedisIdempotencyStore.Builder builder = RedisIdempotencyStore.onJedis(jedis);
      assertThatThrownBy(() -> builder.keyPrefix("a{b}")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("keyPrefix").hasMessageContaining("'{'");
      assertThatThrownBy(() -> builder.keyPrefix("")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("keyPrefix");
      assertThatThrownBy(() -> builder.keyPrefix("a\nb")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("control");
      builder.keyPrefix("ok");
      assertThatThrownBy(() -> builder.keyPrefix("again")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already set");
      assertThat(builder.build().recordKey("k")).isEqualTo("ok:r:{k}");
    }
  }
}
