package dev.lockkit.idempotency.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker of the idempotency fault runs finds each kind of violation, and none in a clean run. */
class ExactlyOnceCheckerTest {
  private static final List<String> KEYS = List.of("k0", "k1");

  private static ResultLine answer(GuardKind guard, String key, String result) {
    return ResultLine.of(ResultLine.Type.ANSWER, guard.name(), key, result, "1");
  }

  @Test
  void aCleanRunHasOnlyZeros() {
    ExactlyOnceReport r = ExactlyOnceChecker.check(GuardKind.FENCED, "none", KEYS, 2,
        Map.of("k0", List.of("client-0/token-1"), "k1", List.of("client-1/token-2")),
        Map.of("k0", "client-0/token-1", "k1", "client-1/token-2"),
        List.of(answer(GuardKind.FENCED, "k0", "client-0/token-1"), answer(GuardKind.FENCED, "k0", "client-0/token-1"),
            answer(GuardKind.FENCED, "k1", "client-1/token-2"), answer(GuardKind.FENCED, "k1", "client-1/token-2"),
            ResultLine.of(ResultLine.Type.RETRY, GuardKind.FENCED.name(), "k1", "ClaimLostException")));

    assertThat(r.exactlyOnce()).as("%s", r).isTrue();
    assertThat(r.requests()).isEqualTo(4);
    assertThat(r.retries()).isEqualTo(1);
    assertThat(r.retryCauses()).containsEntry("ClaimLostException", 1);
  }

  @Test
  void aSecondEffectAndAnAnswerOfTheOverwrittenExecutionAreCounted() {
    ExactlyOnceReport r = ExactlyOnceChecker.check(GuardKind.UNFENCED, "SIGSTOP", KEYS, 2,
        Map.of("k0", List.of("client-0/token-1", "client-1/token-7", "client-2/token-3"),
            "k1", List.of("client-1/token-2")),
        Map.of("k0", "client-0/token-1", "k1", "client-1/token-2"),
        List.of(answer(GuardKind.UNFENCED, "k0", "client-1/token-7"), answer(GuardKind.UNFENCED, "k0", "client-0/token-1"),
            answer(GuardKind.UNFENCED, "k1", "client-1/token-2"), answer(GuardKind.UNFENCED, "k1", "client-1/token-2"),
            answer(GuardKind.FENCED, "k1", "client-9/token-9")));

    assertThat(r.keysWithWrongEffects()).isEqualTo(1);
    assertThat(r.extraEffects()).isEqualTo(2);
    assertThat(r.mismatchedAnswers()).as("the other guard's lines are not this guard's").isEqualTo(1);
    assertThat(r.lostKeys()).isZero();
    assertThat(r.hangs()).isZero();
    assertThat(r.exactlyOnce()).isFalse();
  }

  @Test
  void aKeyWithoutOutcomeOrEffectIsLostAndAMissingAnswerIsAHang() {
    ExactlyOnceReport r = ExactlyOnceChecker.check(GuardKind.FENCED, "restart", KEYS, 2,
        Map.of("k0", List.of("client-0/token-1")),
        Map.of("k1", "client-1/token-2"),
        List.of(answer(GuardKind.FENCED, "k0", "client-0/token-1"), answer(GuardKind.FENCED, "k0", "client-0/token-1"),
            answer(GuardKind.FENCED, "k1", "client-1/token-2")));

    assertThat(r.lostKeys()).as("k0 has no stored outcome, k1's outcome has no effect").isEqualTo(2);
    assertThat(r.keysWithWrongEffects()).as("k1 has none").isEqualTo(1);
    assertThat(r.extraEffects()).isZero();
    assertThat(r.hangs()).isEqualTo(1);
    assertThat(r.exactlyOnce()).isFalse();
  }

  @Test
  void aResultLineSurvivesItsTextForm() {
    ResultLine line = ResultLine.of(ResultLine.Type.GAVEUP, "FENCED", "k0", "3", "boom\twith\ttabs\nand lines");

    ResultLine back = ResultLine.parse(line.format());

    assertThat(back.type()).isEqualTo(ResultLine.Type.GAVEUP);
    assertThat(back.key()).isEqualTo("k0");
    assertThat(back.fields()).hasSize(4).last().isEqualTo("boom with tabs and lines");
  }
}
