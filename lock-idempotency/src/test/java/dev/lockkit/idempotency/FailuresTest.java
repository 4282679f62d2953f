package dev.lockkit.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.idempotency.spi.Outcome;
import org.junit.jupiter.api.Test;

class FailuresTest {

  @Test
  void aFailureKeepsItsClassNameAndMessage() {
    Outcome outcome = Failures.outcomeOf(new IllegalStateException("declined"));
    assertThat(outcome.failureType()).isEqualTo("java.lang.IllegalStateException");
    assertThat(outcome.failureMessage()).isEqualTo("declined");
    assertThat(Failures.outcomeOf(new IllegalStateException()).failureMessage()).isEmpty();
  }

  @Test
  void longMessagesAreCutWithoutSplittingASurrogatePair() {
    String message = "a" + "\ud83d\udcb3".repeat(Outcome.MAX_FAILURE_MESSAGE);
    String cut = Failures.outcomeOf(new RuntimeException(message)).failureMessage();
    assertThat(cut).hasSize(Outcome.MAX_FAILURE_MESSAGE - 1).startsWith("a\ud83d\udcb3").endsWith("\ud83d\udcb3");
    assertThat(Failures.truncate("ab\ud83dc\udcb3d", 10)).isEqualTo("abcd");
    assertThat(Failures.truncate("abcdef", 3)).isEqualTo("abc");
  }
}
