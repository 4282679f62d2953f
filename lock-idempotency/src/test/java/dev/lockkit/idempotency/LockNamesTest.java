package dev.lockkit.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LockNamesTest {
  private final LockClient locks = Locks.connect("memory:lock-names");

  @AfterEach
  void close() {
    locks.close();
  }

  @Test
  void keysThatAreLockNameSegmentsAreUsedAsThey() {
    assertThat(LockNames.of("idempotency", IdempotencyKey.of("tenant-1", "order:42@x"))).isEqualTo(
        "idempotency/tenant-1/order:42@x");
    assertThat(LockNames.of("idempotency", IdempotencyKey.of("t\u00e9", "\u00e9"))).isEqualTo("idempotency/t\u00e9/\u00e9");
  }

  @Test
  void otherPartsAreHashedAndEveryNameIsAValidLockName() {
    String hash = "sha256-[0-9a-f]{64}";
    String[][] cases = {{"tenant/1", "k"}, {"t", "a b"}, {"t", ".."}, {".", "k"}, {"t", "k".repeat(255)},
        {"s".repeat(64), "k".repeat(140)}, {"\ud83d\udcb3", "k"}};
    for (String[] c : cases) {
      String name = LockNames.of("a".repeat(LockNames.MAX_PREFIX), IdempotencyKey.of(c[0], c[1]));
      assertThat(name.length()).isLessThanOrEqualTo(LockNames.MAX_LOCK_NAME);
      assertThat(name).matches(".*/(" + hash + "|" + java.util.regex.Pattern.quote(c[0]) + ")/(" + hash + "|"
          + java.util.regex.Pattern.quote(c[1]) + ")");
      assertThat(locks.lock(name).name()).isEqualTo(name); // lockkit accepts it
    }
    assertThat(LockNames.of("p", IdempotencyKey.of("t", "a b"))).matches("p/t/" + hash);
    assertThat(LockNames.of("p", IdempotencyKey.of("t/1", "k"))).matches("p/" + hash + "/k");
    assertThat(LockNames.of("p", IdempotencyKey.of("t", "a b")))
        .isNotEqualTo(LockNames.of("p", IdempotencyKey.of("t", "a  b")));
  }

  @Test
  void prefixesFollowTheLockNameRules() {
    assertThat(LockNames.checkPrefix("app/idempotency")).isEqualTo("app/idempotency");
    for (String bad : new String[] {"", "a//b", "/a", "a/", "a/../b", "a b", "x".repeat(51)}) {
      assertThatThrownBy(() -> LockNames.checkPrefix(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lockNamePrefix");
    }
  }
}
