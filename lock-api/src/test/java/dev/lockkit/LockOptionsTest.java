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
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewInterval").hasMessageContaining("half");
  }

  @Test
  void optionsThatCannotKeepTheGuaranteesAreRefusedWithTheAllowedRange() {
    // thousands of renewals a second
    assertThatThrownBy(() -> LockOptions.builder().renewInterval(Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewInterval must be at least PT0.01S");
    // acquires, then every release times out
    assertThatThrownBy(() -> LockOptions.builder().commandTimeout(Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commandTimeout must be at least PT0.01S and at most PT10M, was PT0.000000001S");
    // overflowed later on Redis
    assertThatThrownBy(() -> LockOptions.builder().commandTimeout(Duration.ofSeconds(Long.MAX_VALUE / 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most PT10M");
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leaseTime must be at least PT0.05S and at most PT168H, was PT0.01S");
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofDays(8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most PT168H");
    // every lease would lapse before its first renewal is answered
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofSeconds(10))
            .renewInterval(Duration.ofMillis(9_900)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("renewInterval (PT9.9S) must be at most half the leaseTime (PT10S)");
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofSeconds(3))
            .commandTimeout(Duration.ofSeconds(3)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commandTimeout (PT3S) must be at most the leaseTime (PT3S) minus the renewInterval (PT1S)")
        .hasMessageContaining("PT2S at most");
    assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofSeconds(3)).withoutRenewal()
            .commandTimeout(Duration.ofSeconds(3)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("as renewal is off");
  }

  @Test
  void theBoundsThemselvesAreAccepted() {
    LockOptions shortest = LockOptions.builder().leaseTime(LockOptions.MIN_LEASE_TIME)
        .renewInterval(LockOptions.MIN_RENEW_INTERVAL).commandTimeout(LockOptions.MIN_COMMAND_TIMEOUT).build();
    assertThat(shortest.leaseTime()).isEqualTo(Duration.ofMillis(50));
    LockOptions longest = LockOptions.builder().leaseTime(LockOptions.MAX_LEASE_TIME)
        .renewInterval(LockOptions.MAX_LEASE_TIME.dividedBy(2)).commandTimeout(LockOptions.MAX_COMMAND_TIMEOUT).build();
    assertThat(longest.commandTimeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void aShortLeaseShortensTheDefaultCommandTimeoutInsteadOfFailing() {
    assertThat(LockOptions.builder().leaseTime(Duration.ofMillis(1200)).build().commandTimeout())
        .isEqualTo(Duration.ofMillis(800));
    assertThat(LockOptions.builder().leaseTime(Duration.ofMillis(1200)).withoutRenewal().build().commandTimeout())
        .isEqualTo(Duration.ofMillis(800));
    assertThat(LockOptions.builder().leaseTime(Duration.ofSeconds(60)).build().commandTimeout())
        .isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void toBuilderKeepsEveryOptionAndLetsEachBeSetOnceMore() {
    LockOptions original = LockOptions.builder().leaseTime(Duration.ofSeconds(40)).renewInterval(Duration.ofSeconds(4))
        .commandTimeout(Duration.ofSeconds(3)).namespace("billing").maxLocalHandoffs(5).build();
    assertThat(original.toBuilder().build()).isEqualTo(original);
    LockOptions shorter = original.toBuilder().leaseTime(Duration.ofSeconds(20)).build();
    assertThat(shorter.leaseTime()).isEqualTo(Duration.ofSeconds(20));
    assertThat(shorter.renewInterval()).isEqualTo(Duration.ofSeconds(4));
    assertThat(shorter.commandTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(shorter.namespace()).isEqualTo("billing");
    assertThat(shorter.maxLocalHandoffs()).isEqualTo(5);
    assertThatThrownBy(() -> original.toBuilder().leaseTime(Duration.ofSeconds(20)).leaseTime(Duration.ofSeconds(21)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("leaseTime was already set");

    LockOptions off = LockOptions.builder().withoutRenewal().withoutCohorting().build();
    LockOptions offShorter = off.toBuilder().leaseTime(Duration.ofSeconds(10)).build();
    assertThat(offShorter.renewalEnabled()).isFalse();
    assertThat(offShorter.cohortingEnabled()).isFalse();
    assertThat(off.toBuilder().renewInterval(Duration.ofSeconds(1)).build().renewInterval())
        .isEqualTo(Duration.ofSeconds(1));

    // a default renewal follows a new lease time; one that no longer fits is derived anew
    assertThat(LockOptions.defaults().toBuilder().leaseTime(Duration.ofSeconds(6)).build().renewInterval())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(original.toBuilder().leaseTime(Duration.ofSeconds(6)).build().renewInterval())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(original.toBuilder().leaseTime(Duration.ofSeconds(6)).build().commandTimeout())
        .isEqualTo(Duration.ofSeconds(3));
  }
}
