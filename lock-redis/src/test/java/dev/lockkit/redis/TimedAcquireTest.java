package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.LockTimeoutException;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A timed acquire makes one complete attempt before it may time out, and it times out as soon as its wait is
 * over once that attempt saw the lock held: the backend reports the held lock
 * ({@link dev.lockkit.spi.LeaseEvents#seenHeld()}). Both drivers, on a standalone server and on a cluster.
 */
class TimedAcquireTest {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final LockOptions COHORTING = LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).build();
  private static final LockOptions DIRECT =
      LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).withoutCohorting().build();

  static Stream<Arguments> deployments() {
    List<Arguments> all = new ArrayList<>();
    for (String driver : new String[] {"lettuce", "jedis"}) {
      all.add(Arguments.argumentSet(driver + " standalone", driver, false));
      all.add(Arguments.argumentSet(driver + " cluster", driver, true));
    }
    return all.stream();
  }

  private static String uri(String driver, boolean cluster) {
    return (cluster ? SharedServers.cluster().uri() : SharedServers.standaloneUri()) + "?driver=" + driver;
  }

  @ParameterizedTest
  @MethodSource("deployments")
  @Timeout(60)
  void aTwoMillisecondWaitOnAFreeLockGetsIt(String driver, boolean cluster) throws Exception {
    for (LockOptions options : List.of(COHORTING, DIRECT)) {
      try (LockClient client = Locks.connect(uri(driver, cluster), options)) {
        String name = "timed/free/" + driver + "/" + cluster + "/" + options.cohortingEnabled();
        for (int i = 0; i < 20; i++) {
          try (Lease lease = client.lock(name).acquire(Duration.ofMillis(2))) {
            assertThat(lease.isValid()).isTrue();
          }
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  @Timeout(60)
  void aShortWaitOnALockHeldElsewhereTimesOutWhenItsWaitIsOverNotAfterTheCommandTimeout(String driver,
      boolean cluster) throws Exception {
    for (LockOptions options : List.of(COHORTING, DIRECT)) {
      String name = "timed/held/" + driver + "/" + cluster + "/" + options.cohortingEnabled();
      try (LockClient holder = Locks.connect(uri(driver, cluster), options);
          LockClient waiter = Locks.connect(uri(driver, cluster), options);
          Lease held = holder.lock(name).acquire(Duration.ofSeconds(10))) {
        for (int i = 0; i < 3; i++) {
          long start = System.nanoTime();
          assertThatThrownBy(() -> waiter.lock(name).acquire(Duration.ofMillis(200)))
              .isInstanceOf(LockTimeoutException.class).hasMessageContaining("stayed held");
          // without the report the client waited for the command timeout and then blamed the server
          assertThat(Duration.ofNanos(System.nanoTime() - start)).as("cohorting " + options.cohortingEnabled())
              .isLessThan(COMMAND_TIMEOUT.dividedBy(2));
        }
        assertThat(held.isValid()).isTrue();
      }
    }
  }
}
