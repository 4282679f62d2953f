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
