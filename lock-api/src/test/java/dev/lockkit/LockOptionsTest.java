package dev.lockkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockOptionsTest {

  @Test
  void defaultsAreThoseDocumented() {
    LockOptions o = LockOptions.defaults();
    assertThat(o.leaseTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.renewalEnabled()).isTrue();
    assertThat(o.renewInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.commandTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.namespace()).isEqualTo("lockkit");
    assertThat(o.cohortingEnabled()).isTrue();
    assertThat(o.maxLocalHandoffs()).isEqualTo(LockOptions.DEFAULT_LOCAL_HANDOFFS);
    assertThat(o).isEqualTo(LockOptions.builder().build()).hasSameHashCodeAs(LockOptions.builder().build());
  }

  @Test
  void renewalFollowsTheLeaseTimeUnlessSet() {
    assertThat(LockOptions.builder().leaseTime(Duration.ofSeconds(3)).build().renewInterval())
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(LockOptions.builder().withoutRenewal().build().renewalEnabled()).isFalse();
  }

  @Test
  void settingAnOptionTwiceIsRefusedNamingIt() {
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofSeconds(1)).leaseTime(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("leaseTime");
    assertThatThrownBy(() -> LockOptions.builder().namespace("a").namespace("b"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("namespace");
    assertThatThrownBy(() -> LockOptions.builder().withoutRenewal().renewInterval(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("withoutRenewal");
    assertThatThrownBy(() -> LockOptions.builder().withoutCohorting().maxLocalHandoffs(3))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("withoutCohorting");
    assertThatThrownBy(() -> LockOptions.builder().maxLocalHandoffs(3).withoutCohorting())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxLocalHandoffs(3)");
  }

  @Test
  void cohortingCanBeTunedOrTurnedOff() {
    assertThat(LockOptions.builder().withoutCohorting().build().cohortingEnabled()).isFalse();
    assertThat(LockOptions.builder().withoutCohorting().build().maxLocalHandoffs()).isZero();
    assertThat(LockOptions.builder().maxLocalHandoffs(1).build().maxLocalHandoffs()).isEqualTo(1);
    assertThat(LockOptions.builder().withoutCohorting().build()).isNotEqualTo(LockOptions.defaults());
    assertThatThrownBy(() -> LockOptions.builder().maxLocalHandoffs(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLocalHandoffs must be 1 to 1023, was 0");
    assertThatThrownBy(() -> LockOptions.builder().maxLocalHandoffs(1024))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 1024");
  }

  @Test
  void badValuesAreRefusedNamingTheOptionAndTheRule() {
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTime").hasMessageContaining("positive");
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least");
    assertThatThrownBy(() -> LockOptions.builder().commandTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
    assertThatThrownBy(() -> LockOptions.builder().namespace("a:b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
    assertThatThrownBy(() -> LockOptions.builder().namespace(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofSeconds(3)).renewInterval(Duration.ofSeconds(3)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewInterval").hasMessageContaining("shorter");
  }
}
