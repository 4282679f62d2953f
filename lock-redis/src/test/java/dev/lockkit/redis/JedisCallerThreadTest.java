package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On Jedis, whose commands block, a caller that blocks for the answer anyway sends its lock cycle's commands on
 * its own thread: a free lock is acquired and released without a hop to the driver's threads and back (four
 * thread switches a cycle, which on a small machine cost more CPU than the commands). What nobody waits for (an
 * asynchronous acquisition) still runs on the driver's threads. The driver's threads outlive their last command
 * by a second, so a cycle that used one leaves it alive to be seen.
 */
class JedisCallerThreadTest {
  /** The driver's command threads ({@code lockkit-<client>-jedis-<n>}), not its subscription thread. */
  private static final Pattern COMMAND_THREAD = Pattern.compile("lockkit-.*-jedis-\\d+");

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void blockingCyclesOnAFreeLockSendTheirCommandsOnTheCallersThread(boolean cohorting) throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    LockOptions options = cohorting ? LockOptions.defaults() : LockOptions.builder().withoutCohorting().build();
    try (LockClient client = Locks.connect(SharedServers.standaloneUri() + "?driver=jedis", options)) {
      // the client's first command (a check of the eviction policy, at connect) ran on a driver thread: let it end
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(commandThreads(before)).isEmpty());
      DistributedLock lock = client.lock("caller-thread/" + cohorting);
      for (int i = 0; i < 100; i++) {
        try (Lease lease = lock.acquire()) {
          assertThat(lease.isValid()).isTrue();
        }
        try (Lease lease = lock.acquire(Duration.ofSeconds(5))) {
          assertThat(lease.isValid()).isTrue();
        }
        Optional<Lease> single = lock.tryAcquire();
        assertThat(single).as("a single attempt on a free lock").isPresent();
        single.get().close();
      }
      assertThat(commandThreads(before)).as("driver threads used by 300 blocking cycles").isEmpty();

      // nobody blocks for an asynchronous acquisition: it is sent on the driver's threads, as before
      CompletableFuture<Lease> async = lock.acquireAsync(Duration.ofSeconds(5));
      async.get(10, TimeUnit.SECONDS).close();
      assertThat(commandThreads(before)).as("driver threads after an asynchronous acquisition").isNotEmpty();
    }
  }

  private static List<String> commandThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive() && COMMAND_THREAD.matcher(t.getName()).matches())
        .map(Thread::getName)
        .collect(Collectors.toList());
  }
}
