package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockOptions;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A timed acquire says truthfully why it failed: the lock was seen held for the whole wait, or its first attempt
 * got no answer within the command timeout (then it waited for that attempt, not only for its own wait).
 */
class TimedAcquireMessagesTest {
  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(600);

  @Test
  void aFirstAttemptWithoutAnswerIsABackendFailureAfterTheCommandTimeoutNotAStayedHeldTimeout() throws Exception {
    ScriptedBackend server = new ScriptedBackend();
    server.acquisitionsUnanswered = true;
    LockOptions options = LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).withoutCohorting().build();
    try (CoreLockClient client = CoreLockClient.open(options, context -> server)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.lock("orders/silent").acquire(Duration.ofMillis(20)))
          .isInstanceOf(LockBackendException.class)
          .hasMessageContaining("to the first attempt on lock 'orders/silent'")
          .hasMessageContaining("the lock was not seen held");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the first attempt")
          .isGreaterThanOrEqualTo(COMMAND_TIMEOUT);
    }
  }

  @Test
  void aLockSeenHeldTimesOutAfterTheWaitSayingSo() throws Exception {
    ScriptedBackend server = new ScriptedBackend();
    LockOptions options = LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).withoutCohorting().build();
    try (CoreLockClient holder = CoreLockClient.open(options, context -> server);
        CoreLockClient waiter = CoreLockClient.open(options, context -> server)) {
      Lease held = holder.lock("orders/held").acquire(Duration.ofSeconds(5));
      long start = System.nanoTime();
      assertThatThrownBy(() -> waiter.lock("orders/held").acquire(Duration.ofMillis(20)))
          .isInstanceOf(LockTimeoutException.class).hasMessageContaining("stayed held by another owner");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("gave up after its wait, not the command timeout")
          .isLessThan(COMMAND_TIMEOUT);
      held.close();
    }
  }
}
