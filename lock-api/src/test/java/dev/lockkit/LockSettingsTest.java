package dev.lockkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockSettingsTest {
  private static final LockOptions CLIENT = LockOptions.defaults();

  @Test
  void noSettingsLeaveTheClientsOptions() {
    assertThat(LockSettings.none().over(CLIENT)).isSameAs(CLIENT);
    assertThat(LockSettings.none().minimumHold()).isZero();
    assertThat(LockSettings.builder().minimumHold(Duration.ofSeconds(5)).build().over(CLIENT)).isSameAs(CLIENT);
  }

  @Test
  void aShortLeaseOnADefaultClientGetsItsRenewalAndACommandBoundThatFit() {
    LockOptions lock = LockSettings.builder().leaseTime(Duration.ofSeconds(2)).build().over(CLIENT);
    assertThat(lock.leaseTime()).isEqualTo(Duration.ofSeconds(2));
    assertThat(lock.renewInterval()).isEqualTo(Duration.ofSeconds(2).dividedBy(3));
    assertThat(lock.commandTimeout()).as("the client's 5 s would outlast the lease's renewals")
        .isLessThanOrEqualTo(Duration.ofSeconds(2).minus(lock.renewInterval()));
    assertThat(lock.namespace()).isEqualTo(CLIENT.namespace());
    assertThat(lock.cohortingEnabled()).isEqualTo(CLIENT.cohortingEnabled());
  }

  @Test
  void aLongLeaseKeepsTheClientsCommandTimeout() {
    LockOptions client = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();
    LockOptions lock = LockSettings.builder().leaseTime(Duration.ofMinutes(5)).build().over(client);
    assertThat(lock.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(lock.renewInterval()).isEqualTo(Duration.ofSeconds(100));
  }

  @Test
  void renewalAndCohortingFollowTheClientUnlessSet() {
    LockOptions plain = LockOptions.builder().withoutRenewal().withoutCohorting().build();
    LockOptions lock = LockSettings.builder().leaseTime(Duration.ofSeconds(9)).build().over(plain);
    assertThat(lock.renewalEnabled()).isFalse();
    assertThat(lock.cohortingEnabled()).isFalse();
    LockOptions on = LockSettings.builder().renewInterval(Duration.ofSeconds(1)).maxLocalHandoffs(3).build()
        .over(plain);
    assertThat(on.renewInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(on.maxLocalHandoffs()).isEqualTo(3);
    LockOptions off = LockSettings.builder().withoutRenewal().withoutCohorting().build().over(CLIENT);
    assertThat(off.renewalEnabled()).isFalse();
    assertThat(off.cohortingEnabled()).isFalse();
  }

  @Test
  void badSettingsAreRefusedNamingThem() {
    assertThatThrownBy(() -> LockSettings.builder().leaseTime(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leaseTime");
    assertThatThrownBy(() -> LockSettings.builder().leaseTime(Duration.ofDays(8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTime");
    assertThatThrownBy(() -> LockSettings.builder().renewInterval(Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewInterval");
    assertThatThrownBy(() -> LockSettings.builder().maxLocalHandoffs(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLocalHandoffs");
    assertThatThrownBy(() -> LockSettings.builder().minimumHold(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumHold");
    assertThatThrownBy(() -> LockSettings.builder().minimumHold(Duration.ofDays(8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minimumHold");
    assertThatThrownBy(() -> LockSettings.builder().minimumHold(Duration.ZERO).minimumHold(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("minimumHold");
    assertThatThrownBy(() -> LockSettings.builder().withoutRenewal().renewInterval(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("withoutRenewal");
    assertThatThrownBy(() -> LockSettings.builder().maxLocalHandoffs(2).withoutCohorting())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxLocalHandoffs");
    assertThatThrownBy(() -> LockSettings.builder().renewInterval(Duration.ofSeconds(20)).build().over(CLIENT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renewInterval");
  }

  @Test
  void equalSettingsAreEqualAndShowWhatIsSet() {
    LockSettings a = LockSettings.builder().leaseTime(Duration.ofSeconds(3)).minimumHold(Duration.ofSeconds(1)).build();
    LockSettings b = LockSettings.builder().minimumHold(Duration.ofSeconds(1)).leaseTime(Duration.ofSeconds(3)).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(LockSettings.none());
    assertThat(a).hasToString("LockSettings{leaseTime=PT3S, minimumHold=PT1S}");
    assertThat(LockSettings.none()).hasToString("LockSettings{}");
  }
}
