package dev.lockkit.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.jmh.servers.Servers;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every contender's timed acquire gives up on a held lock after its bound, and takes a free one. */
class TimedAcquireTest {
  private static final Duration BOUND = Duration.ofMillis(300);

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aTimedAcquireGivesUpOnAHeldLockAfterItsBoundAndTakesAFreeOne() throws Exception {
    // the in-memory backend: every client of it is a namespace of its own, so two clients never contend
    for (Contender c : EnumSet.complementOf(EnumSet.of(Contender.LOCKKIT_MEMORY))) {
      try (Contender.Instance holderClient = c.create(); Contender.Instance otherClient = c.create()) {
        String name = "test/timed-" + c;
        LockHandle holder = holderClient.lock(name);
        LockHandle other = otherClient.lock(name);
        AutoCloseable held = holder.tryAcquire(Duration.ofSeconds(10));
        assertThat(held).as("%s: the free lock", c).isNotNull();
        long asked = System.nanoTime();
        AutoCloseable refused = other.tryAcquire(BOUND);
        Duration waited = Duration.ofNanos(System.nanoTime() - asked);
        assertThat(refused).as("%s: the held lock", c).isNull();
        // a little early is the clocks' rounding (Redisson counts milliseconds); far late is no bound at all
        assertThat(waited).as("%s: wait on the held lock", c)
            .isBetween(BOUND.minusMillis(20), BOUND.plusSeconds(5));
        held.close();
        AutoCloseable taken = other.tryAcquire(Duration.ofSeconds(10));
        assertThat(taken).as("%s: the released lock", c).isNotNull();
        taken.close();
      }
    }
  }
}
