package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code close()} sends the delete on the caller's thread and is answered there: the answer does not pass
 * through ZooKeeper's event thread, one thread switch a release, so a release completes while that thread is
 * busy with something else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReleaseOnCallerTest {
  private static final String PARENT = "/on-caller/lockkit/busy";

  @Test
  void aCloseDeletesTheNodeAndReturnsWhileTheEventThreadIsBusy() throws Exception {
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    try (TestingServer server = ZkFixtures.startServer(java.util.Map.of());
        LockClient client = new ZooKeeperLockProvider().connect(
            URI.create("zookeeper://" + server.getConnectString() + "/on-caller"), LockOptions.defaults(),
            backend::set);
        CuratorFramework raw = RawClient.connect(server.getConnectString())) {
      DistributedLock lock = client.lock("busy");
      Lease lease = lock.acquire();
      List<String> nodes = raw.getChildren().forPath(PARENT);
      assertThat(nodes).hasSize(1);

      ZooKeeper zk = backend.get().connection().handle();
      assertThat(zk).isNotNull();
      CountDownLatch busy = new CountDownLatch(1);
      CountDownLatch free = new CountDownLatch(1);
      // the event thread runs this callback, and nothing else until it returns
      zk.exists("/", false, (rc, path, ctx, stat) -> {
        busy.countDown();
        try {
          free.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, null);
      try {
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(lease::close);
        // well within the command timeout (5 s), which a release answered on the event thread waits out
        await().alias("close() while the event thread is busy").atMost(Duration.ofSeconds(3)).until(closed::isDone);
        closed.get(); // no failure
        assertThat(raw.checkExists().forPath(PARENT + "/" + nodes.get(0))).as("the lock's node").isNull();
      } finally {
        free.countDown();
      }
      try (Lease again = lock.acquire(Duration.ofSeconds(10))) {
        assertThat(again.fencingToken()).isGreaterThan(lease.fencingToken());
      }
    }
  }
}
