package dev.lockkit.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdempotencyKeyTest {

  @Test
  void equalScopeAndKeyAreEqualAndAnythingElseIsNot() {
    assertThat(IdempotencyKey.of("tenant", "k")).isEqualTo(IdempotencyKey.of("tenant", "k"))
        .hasSameHashCodeAs(IdempotencyKey.of("tenant", "k"))
        .isNotEqualTo(IdempotencyKey.of("tenant", "K")).isNotEqualTo(IdempotencyKey.of("tenant2", "k"));
  }

  @Test
  void theStoreKeyIsUnambiguousWhateverTheCharacters() {
    assertThat(IdempotencyKey.of("a", "b:c").storeKey()).isEqualTo("1:a:b:c");
    assertThat(IdempotencyKey.of("a:b", "c").storeKey()).isEqualTo("3:a:b:c");
    assertThat(IdempotencyKey.of("a", "b:c").storeKey()).isNotEqualTo(IdempotencyKey.of("a:b", "c").storeKey());
    assertThat(IdempotencyKey.of("1:a", "b").storeKey()).isNotEqualTo(IdempotencyKey.of("1", "a:b").storeKey());
  }

  @Test
  void theLongestKeysFitTheStoreKeyBounds() {
    IdempotencyKey longest = IdempotencyKey.of("\uffff".repeat(64), "\uffff".repeat(255));
    assertThat(longest.storeKey()).hasSize(IdempotencyKey.MAX_STORE_KEY_LENGTH);
    assertThat(longest.storeKey().getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .hasSize(IdempotencyKey.MAX_STORE_KEY_UTF8_BYTES);
  }

  @Test
  void toStringShowsScopeAndKeyAndQuotesWhenASlashWouldMislead() {
    assertThat(IdempotencyKey.of("tenant", "order-1")).hasToString("tenant/order-1");
    assertThat(IdempotencyKey.of("a/b", "c")).hasToString("'a/b'/'c'");
  }

  @Test
  void unicodeAndPunctuationAreAllowed() {
    assertThat(IdempotencyKey.of("t\u00e9nant \ud83d\udcb3", "order/1 ?*").key()).isEqualTo("order/1 ?*");
  }

  @Test
  void badScopesAndKeysAreRefusedNamingTheRule() {
    assertThatThrownBy(() -> IdempotencyKey.of(null, "k")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("scope must not be null");
    assertThatThrownBy(() -> IdempotencyKey.of("s", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be null");
    assertThatThrownBy(() -> IdempotencyKey.of("", "k")).hasMessageContaining("scope must be 1 to 64 characters");
    assertThatThrownBy(() -> IdempotencyKey.of("s".repeat(65), "k")).hasMessageContaining("was 65 characters");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "")).hasMessageContaining("key must be 1 to 255 characters");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "k".repeat(256))).hasMessageContaining("key must be");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "a\tb")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key must not contain control characters, found U+0009 at index 1");
    assertThatThrownBy(() -> IdempotencyKey.of("s\u0085", "k")).hasMessageContaining("scope must not contain");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "a\ud83d")).hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "\udcb3a")).hasMessageContaining("unpaired surrogate");
  }
}
