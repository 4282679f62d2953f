package dev.lockkit.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.memory.MemoryIdempotencyStore;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IdempotencyGuardBuilderTest {
  private final LockClient locks = Locks.connect("memory:guard-builder");
  private final MemoryIdempotencyStore store = new MemoryIdempotencyStore();

  @AfterEach
  void close() {
    locks.close();
  }

  @Test
  void theDefaultsAreADayOfRetentionTenSecondsOfWaitingAndTheIdempotencyPrefix() {
    assertThat(IdempotencyGuard.builder(locks, store).build()).hasToString("IdempotencyGuard{retention=PT24H, "
        + "duplicates=waitAtMost(PT10S), lockNamePrefix=idempotency, LockSettings{}}");
  }

  @Test
  void theLockNamePrefixNamesTheClaimsLocks() throws InterruptedException {
    IdempotencyGuard guard = IdempotencyGuard.builder(locks, store).lockNamePrefix("shop/payments").build();
    assertThat(guard.execute(IdempotencyKey.of("t", "k"), "", claim -> claim.lockName()))
        .isEqualTo("shop/payments/t/k");
  }

  @Test
  void eachOptionIsSetOnceAtMost() {
    IdempotencyGuard.Builder b = IdempotencyGuard.builder(locks, store).retention(Duration.ofHours(1))
        .duplicates(DuplicatePolicy.failFast()).storeFailures(e -> true).lockSettings(LockSettings.none())
        .lockNamePrefix("p");
    assertThatThrownBy(() -> b.retention(Duration.ofHours(2))).isInstanceOf(IllegalStateException.class)
        .hasMessage("retention was already set to PT1H");
    assertThatThrownBy(() -> b.duplicates(DuplicatePolicy.failFast())).hasMessageContaining("duplicates was");
    assertThatThrownBy(() -> b.storeFailures(e -> false)).hasMessageContaining("storeFailures was");
    assertThatThrownBy(() -> b.lockSettings(LockSettings.none())).hasMessageContaining("lockSettings was");
    assertThatThrownBy(() -> b.lockNamePrefix("q")).hasMessageContaining("lockNamePrefix was");
  }

  @Test
  void badOptionsAreRefusedByName() {
    IdempotencyGuard.Builder b = IdempotencyGuard.builder(locks, store);
    assertThatThrownBy(() -> IdempotencyGuard.builder(null, store)).hasMessage("locks must not be null");
    assertThatThrownBy(() -> IdempotencyGuard.builder(locks, null)).hasMessage("store must not be null");
    assertThatThrownBy(() -> b.retention(Duration.ofNanos(999_999))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retention must be at least 1 ms");
    assertThatThrownBy(() -> b.retention(null)).hasMessage("retention must not be null");
    assertThatThrownBy(() -> b.duplicates(null)).hasMessage("duplicates must not be null");
    assertThatThrownBy(() -> b.storeFailures(null)).hasMessage("storeFailures must not be null");
    assertThatThrownBy(() -> b.lockSettings(null)).hasMessage("lockSettings must not be null");
    assertThatThrownBy(() -> b.lockNamePrefix("a b")).hasMessageContaining("lockNamePrefix must be segments");
    assertThatThrownBy(() -> DuplicatePolicy.waitAtMost(Duration.ZERO)).hasMessageContaining("maxWait must be");
    assertThatThrownBy(() -> DuplicatePolicy.waitAtMost(null)).hasMessage("maxWait must not be null");
  }

  @Test
  void lockSettingsThatDoNotFitTheClientAreRefusedAtBuild() {
    try (LockClient client = Locks.connect("memory:guard-builder",
        LockOptions.builder().leaseTime(Duration.ofSeconds(30)).build())) {
      IdempotencyGuard.Builder b = IdempotencyGuard.builder(client, store)
          .lockSettings(LockSettings.builder().renewInterval(Duration.ofSeconds(20)).build());
      assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("renew");
    }
  }
}
