package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.ReleaseOutcome;
import dev.lockkit.redis.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A lease closed while the server does not answer waits for the release at most until the lease's own end,
 * not the whole command timeout: past that end the server drops the lock by itself, so waiting longer protects
 * nothing and only stalls the caller.
 */
class ReleaseWithinLeaseTest {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration RENEW = Duration.ofMillis(800);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(2200);

  @ParameterizedTest(name = "{0}, {1}")
  @CsvSource({"lettuce, close", "jedis, close", "lettuce, release", "jedis, release"})
  @Timeout(60)
  void aReleaseTheFrozenServerDoesNotAnswerEndsWithTheLease(String driver, String how) throws Exception {
    LockOptions options = LockOptions.builder().leaseTime(LEASE).renewInterval(RENEW)
        .commandTimeout(COMMAND_TIMEOUT).build();
    try (RedisServer server = RedisServer.launch();
         LockClient client = Locks.connect(server.uri() + "?driver=" + driver, options)) {
      Lease lease = client.lock("frozen/release/" + driver).acquire(Duration.ofSeconds(5));
      long acquired = System.nanoTime();
      server.pause();
      try {
        // the renewal sent at 0.8 s gets no answer: the lease ends 3 s after the acquisition
        sleepUntil(acquired, Duration.ofMillis(1900));
        long closing = System.nanoTime();
        AtomicReference<ReleaseOutcome> outcome = new AtomicReference<>();
        Throwable failure = how.equals("close") ? catchThrowable(lease::close) : catchThrowable(
            () -> outcome.set(lease.release()));
        Duration took = Duration.ofNanos(System.nanoTime() - closing);
        Duration leaseLeft = LEASE.minusNanos(closing - acquired);
        // the lease had about 1.1 s left; the command timeout is 2.2 s
        assertThat(took).as("close() with %s of the lease left", leaseLeft)
            .isLessThan(leaseLeft.plus(Duration.ofMillis(400)))
            .isLessThan(COMMAND_TIMEOUT.minusMillis(500));
        if (how.equals("close")) {
          assertThat(failure).isInstanceOf(LockBackendException.class)
              .hasMessageContaining("no answer").hasMessageContaining("lease time had ended");
        } else {
          assertThat(failure).isNull();
          assertThat(outcome.get()).as("release() where close() throws LockBackendException")
              .isEqualTo(ReleaseOutcome.UNCONFIRMED);
        }
      } finally {
        server.resume();
      }
    }
  }

  /** Fault timing, not waiting for a condition: the server stays frozen until then. */
  private static void sleepUntil(long startNanos, Duration offset) throws InterruptedException {
    long left = startNanos + offset.toNanos() - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }
}
