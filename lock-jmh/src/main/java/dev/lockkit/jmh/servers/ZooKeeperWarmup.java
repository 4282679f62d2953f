package dev.lockkit.jmh.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a freshly started ZooKeeper server's JIT before any contender meets it. A server started per fork is
 * otherwise still compiling its request pipeline while the first benchmark iterations run, and whichever
 * contender comes first pays for it. Runs lock-shaped cycles (create an ephemeral-sequential node, read the
 * children, read and write the node, delete it), many in flight at once, until a number of cycles or a time
 * budget is spent.
 */
final class ZooKeeperWarmup {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperWarmup.class);
  private static final int IN_FLIGHT = 32;
  private static final byte[] DATA = "warm-up".getBytes(StandardCharsets.UTF_8);

  private ZooKeeperWarmup() {}

  static void run(String connect, int cycles, Duration budget)
      throws IOException, KeeperException, InterruptedException {
    if (cycles <= 0) {
      return;
    }
    long start = System.nanoTime();
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connect, 30_000, event -> {
      if (event.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      if (!connected.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("could not connect to ZooKeeper at " + connect + " to warm it up");
      }
      String parent = "/lockkit-bench-warmup";
      try {
        zk.create(parent, DATA, Servers.OPEN_ACL, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException e) {
        // an earlier warm-up of this server made it
      }
      Semaphore window = new Semaphore(IN_FLIGHT);
      AtomicInteger done = new AtomicInteger();
      long deadline = start + budget.toNanos();
      int sent = 0;
      while (sent < cycles && System.nanoTime() - deadline < 0) {
        if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
          continue;
        }
        sent++;
        zk.create(parent + "/n-", DATA, Servers.OPEN_ACL, CreateMode.EPHEMERAL_SEQUENTIAL, (rc, path, ctx, name) -> {
          if (rc != KeeperException.Code.OK.intValue()) {
            window.release();
            return;
          }
          zk.getChildren(parent, false, (rc2, p2, c2, children) -> { }, null);
          zk.getData(name, false, (rc2, p2, c2, data, stat) -> { }, null);
          zk.setData(name, DATA, -1, (rc2, p2, c2, stat) -> { }, null);
          zk.delete(name, -1, (rc2, p2, c2) -> {
            done.incrementAndGet();
            window.release();
          }, null);
        }, null);
      }
      window.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS);
      log.info("ZooKeeper warmed up: {} lock cycles in {} ms", done.get(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } finally {
      zk.close();
    }
  }
}
