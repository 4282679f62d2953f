package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockObserver;
import dev.lockkit.ObservedLock;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A caller that blocks for its lock anyway does the work of its lock cycle on its own thread. On Jedis, whose
 * commands block, it sends the commands itself: a free lock is acquired and released without a hop to the
 * driver's threads and back (four thread switches a cycle, which on a small machine cost more CPU than the
 * commands); the driver's threads outlive their last command by a second, so a cycle that used one leaves it
 * alive to be seen. On Lettuce, whose replies all arrive on the connection's one I/O thread, the caller waits for
 * the reply and handles it itself, so that this thread does not become the bottleneck of many callers; seen from
 * outside as the thread the observer hears the acquisition's end on. What nobody waits for (an asynchronous
 * acquisition) still runs on the driver's threads.
 */
class CallerThreadTest {
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

  @ParameterizedTest
  @CsvSource({"lettuce, true", "lettuce, false", "jedis, true", "jedis, false"})
  @Timeout(60)
  void theEndOfABlockingAcquisitionOfAFreeLockIsHandledOnTheCallersThread(String driver, boolean cohorting)
      throws Exception {
    List<String> endedOn = new CopyOnWriteArrayList<>();
    LockObserver observer = new LockObserver() {
      @Override
      public void acquisitionEnded(ObservedLock lock, @Nullable Object state, AcquisitionOutcome outcome,
          Duration wait, @Nullable Throwable failure) {
        endedOn.add(outcome + " on " + Thread.currentThread().getName());
      }
    };
    LockOptions.Builder options = LockOptions.builder().observer(observer);
    if (!cohorting) {
      options.withoutCohorting();
    }
    String caller = Thread.currentThread().getName();
    try (LockClient client = Locks.connect(SharedServers.standaloneUri() + "?driver=" + driver, options.build())) {
      DistributedLock lock = client.lock("caller-thread/ended/" + driver + "/" + cohorting);
      for (int i = 0; i < 50; i++) {
        lock.acquire().close();
        lock.acquire(Duration.ofSeconds(5)).close();
      }
    }
    assertThat(endedOn).hasSize(100).containsOnly("ACQUIRED on " + caller);
  }

  private static List<String> commandThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive() && COMMAND_THREAD.matcher(t.getName()).matches())
        .map(Thread::getName)
        .collect(Collectors.toList());
  }
}
