package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The executor for Curator's {@code runSafe} work has a bounded number of threads; what waits is queued. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CallbackPoolTest {

  @Test
  void aFloodOfWaitingTasksRunsOnBoundedThreadsAndTheRestIsQueuedNotLost() throws Exception {
    int tasks = 20;
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    try (TestingServer server = new TestingServer(true);
        LockClient client = new ZooKeeperLockProvider().connect(URI.create("zookeeper://"
            + server.getConnectString() + "/pool"), LockOptions.defaults(), backend::set)) {
      CuratorFramework curator = backend.get().curator();
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger running = new AtomicInteger();
      AtomicInteger mostRunning = new AtomicInteger();
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<Void>> done = new ArrayList<>();
      try {
        for (int i = 0; i < tasks; i++) {
          done.add(curator.runSafe(() -> {
            threads.add(Thread.currentThread());
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              running.decrementAndGet();
            }
          }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> running.get() >= ZkConnection.SAFE_THREADS);
        // an unbounded pool starts a thread for each of them in well under this time
        await().alias("at most " + ZkConnection.SAFE_THREADS + " of " + tasks + " waiting tasks running at once")
            .during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
            .until(() -> running.get() <= ZkConnection.SAFE_THREADS);
      } finally {
        release.countDown();
      }
      CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
      assertThat(mostRunning.get()).isEqualTo(ZkConnection.SAFE_THREADS);
      assertThat(threads).hasSize(ZkConnection.SAFE_THREADS)
          .allSatisfy(t -> assertThat(t.getName()).startsWith(backend.get().connection().threadPrefix()));
    }
  }
}
