package dev.lockkit.idempotency.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.Outcome;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What only the memory store has: its injected clock, exact expiry on it, and sweeping without a thread. */
class MemoryIdempotencyStoreTest {
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - 5_000_000_000L); // differences, not values, count
  private final MemoryIdempotencyStore store = new MemoryIdempotencyStore(now::get);

  @Test
  void aRecordLivesExactlyItsTimeToLiveOnTheStoresClock() {
    store.claim("k", "fp", 1, Duration.ofSeconds(2));
    store.complete("k", 1, Outcome.success(new byte[] {1}), Duration.ofSeconds(3));
    now.addAndGet(Duration.ofSeconds(3).toNanos() - 1);
    assertThat(store.find("k")).isPresent();
    now.incrementAndGet();
    assertThat(store.find("k")).isEmpty();
    assertThat(store.claim("k", "fp", 2, Duration.ofSeconds(1))).isEqualTo(ClaimResult.claimed());
  }

  @Test
  void aTokenLivesExactlyItsTimeToLiveUsedOrNot() {
    store.issueToken("t", Duration.ofMillis(10));
    assertThat(store.consumeToken("t")).isEqualTo(ConsumeResult.CONSUMED);
    now.addAndGet(Duration.ofMillis(10).toNanos() - 1);
    assertThat(store.consumeToken("t")).isEqualTo(ConsumeResult.ALREADY_USED);
    now.incrementAndGet();
    assertThat(store.consumeToken("t")).isEqualTo(ConsumeResult.UNKNOWN);
  }

  @Test
  void expiredEntriesAreSweptByLaterWritesWithoutAThread() {
    for (int i = 0; i < MemoryIdempotencyStore.SWEEP_EVERY; i++) {
      store.claim("k" + i, "fp", 1, Duration.ofSeconds(1));
    }
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    for (int i = 0; i < MemoryIdempotencyStore.SWEEP_EVERY; i++) {
      store.issueToken("t" + i, Duration.ofSeconds(1));
    }
    assertThat(store.size()).isEqualTo(MemoryIdempotencyStore.SWEEP_EVERY);
  }

  @Test
  void aVeryLongTimeToLiveDoesNotOverflow() {
    store.claim("k", "fp", 1, Duration.ofDays(365 * 1000L));
    now.addAndGet(Duration.ofDays(365).toNanos());
    assertThat(store.find("k")).isPresent();
  }

  @Test
  void badArgumentsAreRefusedByName() {
    assertThatThrownBy(() -> store.claim("k", "fp", 0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fence");
    assertThatThrownBy(() -> store.claim("k", "fp", 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
    assertThatThrownBy(() -> store.complete("k", 1, Outcome.success(new byte[0]), Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
    assertThatThrownBy(() -> new MemoryIdempotencyStore(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nanoTime");
  }
}
