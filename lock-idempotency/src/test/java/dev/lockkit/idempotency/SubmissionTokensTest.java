package dev.lockkit.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.idempotency.memory.MemoryIdempotencyStore;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SubmissionTokensTest {
  private final AtomicLong now = new AtomicLong();
  private final SubmissionTokens tokens = SubmissionTokens.on(new MemoryIdempotencyStore(now::get));

  @Test
  void tokensAre128RandomBitsInUrlSafeBase64() {
    Set<String> issued = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String token = tokens.issue("user-1", Duration.ofMinutes(10));
      assertThat(token).matches("[A-Za-z0-9_-]{22}");
      issued.add(token);
    }
    assertThat(issued).hasSize(1000);
  }

  @Test
  void theFirstSubmissionWinsAndAReplayIsRefused() {
    String token = tokens.issue("user-1", Duration.ofMinutes(10));
    assertThatCode(() -> tokens.consume("user-1", token)).doesNotThrowAnyException();
    assertThatThrownBy(() -> tokens.consume("user-1", token)).isInstanceOf(SubmissionTokenUsedException.class)
        .hasMessageContaining("user-1");
  }

  @Test
  void aTokenIsKnownOnlyInItsScopeAndUntilItExpires() {
    String token = tokens.issue("user-1", Duration.ofMinutes(10));
    assertThatThrownBy(() -> tokens.consume("user-2", token)).isInstanceOf(SubmissionTokenUnknownException.class);
    String used = tokens.issue("user-1", Duration.ofMinutes(10));
    tokens.consume("user-1", used);
    now.addAndGet(Duration.ofMinutes(10).toNanos());
    assertThatThrownBy(() -> tokens.consume("user-1", token)).isInstanceOf(SubmissionTokenUnknownException.class);
    assertThatThrownBy(() -> tokens.consume("user-1", used)).isInstanceOf(SubmissionTokenUnknownException.class);
  }

  @Test
  void malformedTokensAreUnknownAndBadArgumentsRefused() {
    assertThatThrownBy(() -> tokens.consume("user-1", "forged")).isInstanceOf(SubmissionTokenUnknownException.class);
    assertThatThrownBy(() -> tokens.consume("user-1", "a".repeat(21) + "/"))
        .isInstanceOf(SubmissionTokenUnknownException.class);
    assertThatThrownBy(() -> tokens.consume("user-1", null)).hasMessage("token must not be null");
    assertThatThrownBy(() -> tokens.consume("", "a".repeat(22))).hasMessageContaining("scope must be");
    assertThatThrownBy(() -> tokens.issue("user-1", Duration.ZERO)).hasMessageContaining("ttl must be at least 1 ms");
    assertThatThrownBy(() -> tokens.issue("s".repeat(65), Duration.ofMinutes(1))).hasMessageContaining("scope");
    assertThatThrownBy(() -> SubmissionTokens.on(null)).hasMessage("store must not be null");
  }
}
