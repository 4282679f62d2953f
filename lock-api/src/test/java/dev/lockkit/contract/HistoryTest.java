package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistoryTest {

  @Test
  void sectionsOneAfterAnotherWithGrowingTokensPass() {
    History h = new History();
    h.record("a", 1, 0, 10);
    h.record("b", 2, 11, 20);
    h.record("a", 5, 21, 30);
    assertThat(h.overlaps()).isEmpty();
    assertThat(h.tokenRegressions()).isEmpty();
  }

  @Test
  void anOverlapIsReportedEvenBehindALongSection() {
    History h = new History();
    h.record("long", 1, 0, 100);
    h.record("short", 2, 10, 20);
    h.record("late", 3, 50, 60); // inside "long", though after "short" ended
    assertThat(h.overlaps()).hasSize(2);
  }

  @Test
  void aTokenThatDoesNotGrowIsReported() {
    History h = new History();
    h.record("a", 7, 0, 10);
    h.record("b", 7, 20, 30);
    h.record("c", 3, 40, 50);
    assertThat(h.tokenRegressions()).hasSize(2);
  }

  @Test
  void aSectionCannotEndBeforeItStarts() {
    assertThatThrownBy(() -> new History().record("a", 1, 10, 5)).isInstanceOf(IllegalArgumentException.class);
  }
}
