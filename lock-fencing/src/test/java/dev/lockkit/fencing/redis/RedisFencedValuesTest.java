package dev.lockkit.fencing.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.fencing.FencingException;
import dev.lockkit.fencing.redis.RedisTargets.Setup;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link RedisFencedValues} on Lettuce and Jedis, standalone and cluster, against real servers. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisFencedValuesTest {
  static final long TWO_TO_53 = 9007199254740992L;
  private static final RedisTargets TARGETS = new RedisTargets();

  @AfterAll
  static void closeClients() throws Exception {
    TARGETS.close();
  }

  private static String key() {
    return "fencing-test:" + UUID.randomUUID();
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void theFirstWriteIsStoredWithItsToken(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    assertThat(values.get(key)).isEmpty();
    assertThat(values.set(key, "first", 5)).isTrue();
    assertThat(values.get(key)).contains(new FencedValue("first", 5));
    try (Resp r = TARGETS.nodeOf(setup, key)) {
      assertThat(r.call("HGET", key, "fence")).isEqualTo("5");
      assertThat(r.call("HGET", key, "value")).isEqualTo("first");
    }
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aHigherTokenOverwritesAndALowerOrEqualOneIsRejected(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    values.set(key, "a", 5);
    assertThat(values.set(key, "b", 6)).isTrue();
    assertThat(values.set(key, "late", 4)).isFalse();
    assertThat(values.set(key, "same", 6)).isFalse();
    assertThat(values.get(key)).contains(new FencedValue("b", 6));
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void tokensTwoToThe53AndOneMoreAreOrderedExactly(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String up = key();
    values.set(up, "older", TWO_TO_53);
    assertThat(values.set(up, "newer", TWO_TO_53 + 1)).as("2^53 + 1 after 2^53").isTrue();
    assertThat(values.get(up)).contains(new FencedValue("newer", TWO_TO_53 + 1));
    String down = key();
    values.set(down, "newer", TWO_TO_53 + 1);
    assertThat(values.set(down, "older", TWO_TO_53)).as("2^53 after 2^53 + 1").isFalse();
    assertThat(values.get(down)).contains(new FencedValue("newer", TWO_TO_53 + 1));
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void longMaxValueIsStoredExactlyAndNothingOverwritesIt(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    assertThat(values.set(key, "almost", Long.MAX_VALUE - 1)).isTrue();
    assertThat(values.set(key, "max", Long.MAX_VALUE)).isTrue();
    assertThat(values.set(key, "late", Long.MAX_VALUE - 1)).isFalse();
    assertThat(values.set(key, "same", Long.MAX_VALUE)).isFalse();
    assertThat(values.get(key)).contains(new FencedValue("max", Long.MAX_VALUE));
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aTokenWithMoreDigitsIsGreaterThanOneWithFewer(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    values.set(key, "99", 99);
    assertThat(values.set(key, "100", 100)).as("100 after 99 (\"100\" < \"99\" as text)").isTrue();
    assertThat(values.set(key, "99 again", 99)).isFalse();
    values.set(key, "1000", 1000);
    assertThat(values.set(key, "999", 999)).as("999 after 1000").isFalse();
    assertThat(values.get(key)).contains(new FencedValue("1000", 1000));
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aTtlIsAppliedAndAWriteWithoutOneRemovesIt(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    assertThat(values.set(key, "a", 1, Duration.ofSeconds(30))).isTrue();
    try (Resp r = TARGETS.nodeOf(setup, key)) {
      assertThat((Long) r.call("PTTL", key)).isBetween(1L, 30_000L);
      values.set(key, "b", 2);
      assertThat(r.call("PTTL", key)).isEqualTo(-1L);
    }
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void afterTheTtlTheValueAndItsFenceAreGone(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    values.set(key, "short", 10, Duration.ofMillis(200));
    Awaitility.await("expiry").atMost(Duration.ofSeconds(20)).until(() -> values.get(key).isEmpty());
    assertThat(values.set(key, "any token again", 3)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void deleteNeedsATokenNotBelowTheFenceAndKeepsTheFence(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    values.set(key, "a", 10);
    assertThat(values.delete(key, 9)).isFalse();
    assertThat(values.get(key)).contains(new FencedValue("a", 10));
    assertThat(values.delete(key, 10)).isTrue();
    assertThat(values.get(key)).isEmpty();
    assertThat(values.set(key, "late", 9)).as("an older writer after the delete").isFalse();
    assertThat(values.delete(key, 12)).isTrue();
    assertThat(values.set(key, "late", 11)).as("the delete raised the fence").isFalse();
    assertThat(values.set(key, "b", 13)).isTrue();
    assertThat(values.get(key)).contains(new FencedValue("b", 13));

    String absent = key();
    assertThat(values.delete(absent, 5, Duration.ofSeconds(30))).isTrue();
    assertThat(values.set(absent, "older", 4)).isFalse();
    try (Resp r = TARGETS.nodeOf(setup, absent)) {
      assertThat((Long) r.call("PTTL", absent)).isBetween(1L, 30_000L);
    }
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void badInputIsRefusedNamingTheArgument(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    assertThatThrownBy(() -> values.set(nul(), "v", 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be null");
    assertThatThrownBy(() -> values.set("", "v", 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be empty");
    assertThatThrownBy(() -> values.set("k", nul(), 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("value must not be null");
    assertThatThrownBy(() -> values.set("k", "v", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token must be positive");
    assertThatThrownBy(() -> values.delete("k", -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token must be positive");
    assertThatThrownBy(() -> values.set("k", "v", 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl must be positive");
    assertThatThrownBy(() -> values.set("k", "v", 1, nul())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must not be null");
    assertThatThrownBy(() -> values.delete("k", 1, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keepFenceFor must be positive");
    assertThatThrownBy(() -> values.get(nul())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be null");
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void aKeyThatHoldsSomethingElseFailsWithAFencingException(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String plain = key();
    String corrupt = key();
    try (Resp r = TARGETS.nodeOf(setup, plain)) {
      r.call("SET", plain, "not a hash");
    }
    try (Resp r = TARGETS.nodeOf(setup, corrupt)) {
      r.call("HSET", corrupt, "value", "x", "fence", "12.5");
    }
    assertThatThrownBy(() -> values.set(plain, "v", 1)).isInstanceOf(FencingException.class)
        .hasMessageContaining(plain).hasMessageContaining("WRONGTYPE");
    assertThatThrownBy(() -> values.set(corrupt, "v", 100)).isInstanceOf(FencingException.class)
        .hasMessageContaining("not a positive decimal token");
  }

  /**
   * Eight writers with distinct random tokens, dense around 2^53 where doubles collide: the stored fence ends as
   * the highest token, and the value is the one written with it.
   */
  @ParameterizedTest
  @EnumSource(Setup.class)
  void concurrentWritersLeaveTheHighestTokenAndItsValue(Setup setup) throws Exception {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    Random random = new Random(setup.ordinal());
    TreeSet<Long> distinct = new TreeSet<>();
    while (distinct.size() < 400) {
      distinct.add(TWO_TO_53 - 200 + random.nextInt(400));
    }
    List<Long> tokens = new ArrayList<>(distinct);
    Collections.shuffle(tokens, random);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        List<Long> mine = tokens.subList(t * 50, t * 50 + 50);
        results.add(pool.submit(() -> {
          go.await();
          int accepted = 0;
          for (long token : mine) {
            accepted += values.set(key, "v" + token, token) ? 1 : 0;
          }
          return accepted;
        }));
      }
      go.countDown();
      int accepted = 0;
      for (Future<Integer> f : results) {
        accepted += f.get(100, TimeUnit.SECONDS);
      }
      long max = distinct.last();
      assertThat(values.get(key)).contains(new FencedValue("v" + max, max));
      assertThat(accepted).isBetween(1, 400);
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(Setup.class)
  void scriptsFlushedFromTheServerAreSentAgain(Setup setup) {
    RedisFencedValues values = TARGETS.values(setup);
    String key = key();
    values.set(key, "a", 1);
    TARGETS.flushScripts(setup);
    try (Resp r = TARGETS.nodeOf(setup, key)) {
      assertThat(r.call("SCRIPT", "EXISTS", Scripts.SET.sha())).isEqualTo(List.of(0L));
      assertThat(values.set(key, "b", 2)).isTrue();
      assertThat(r.call("SCRIPT", "EXISTS", Scripts.SET.sha())).isEqualTo(List.of(1L));
    }
    TARGETS.flushScripts(setup);
    assertThat(values.get(key)).isEqualTo(Optional.of(new FencedValue("b", 2)));
    TARGETS.flushScripts(setup);
    assertThat(values.delete(key, 2)).isTrue();
  }

  private static <T> T nul() {
    return null;
  }
}
