package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A timed acquire shorter than a round trip: on a free lock its first attempt completes and wins; on a lock
 * another owner holds it times out after its wait, not after the command timeout.
 */
class TimedAcquireTest {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).build();
  private static TestingServer server;
  private static LockClient holder;
  private static LockClient waiter;

  @BeforeAll
  static void start() throws Exception {
    server = new TestingServer(true);
    holder = ZkFixtures.connect(server.getConnectString(), "/timed", OPTIONS);
    waiter = ZkFixtures.connect(server.getConnectString(), "/timed", OPTIONS);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {holder, waiter, server}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aTwoMillisecondAcquireOfAFreeLockSucceeds() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (Lease lease = waiter.lock("free/" + i).acquire(Duration.ofMillis(2))) {
        assertThat(lease.isValid()).isTrue();
      }
    }
  }

  @Test
  void aShortAcquireOfAHeldLockTimesOutAfterItsWaitNotAfterTheCommandTimeout() throws Exception {
    Duration wait = Duration.ofMillis(200);
    try (Lease held = holder.lock("held").acquire(Duration.ofSeconds(10))) {
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> waiter.lock("held").acquire(wait))
            .isInstanceOf(LockTimeoutException.class).hasMessageContaining("stayed held");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // the wait plus a round trip, with room for a loaded machine: far below the command timeout
        assertThat(took).isGreaterThanOrEqualTo(wait).isLessThan(wait.plusMillis(1500));
      }
      assertThat(held.isValid()).isTrue();
    }
  }
}
