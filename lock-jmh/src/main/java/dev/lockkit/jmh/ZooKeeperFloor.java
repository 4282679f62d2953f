package dev.lockkit.jmh;

import dev.lockkit.jmh.servers.Servers;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/**
 * The floor of a ZooKeeper queue lock: the fewest requests any recipe of ephemeral-sequential nodes sends, on the
 * raw {@link ZooKeeper} handle with nothing else around them. Acquire: the create and the children read
 * pipelined on one session, one wait for both; first in the queue wins, else the node is deleted and the cycle
 * repeated (a spin, as {@link Contender#FLOOR_LETTUCE} spins). Release: the delete, waited for. Threads of one
 * JVM queue on a local lock first, so that only a rival process ever makes the cycle repeat. No fencing, no
 * renewal, no session handling, no timeouts: not a lock anyone should use, only the bound the server sets.
 */
final class ZooKeeperFloor implements Contender.Instance {
  private static final long ANSWER_SECONDS = 30;
  private static final byte[] DATA = "floor".getBytes(StandardCharsets.UTF_8);

  private final CuratorFramework curator;
  /** The session's handle, taken once: a floor does not follow session changes. */
  private final ZooKeeper zk;

  ZooKeeperFloor() throws InterruptedException {
    curator = Contender.connectedCurator();
    try {
      zk = curator.getZookeeperClient().getZooKeeper();
    } catch (Exception e) { // Curator declares Exception
      curator.close();
      throw new IllegalStateException("no ZooKeeper handle from Curator", e);
    }
  }

  @Override
  public LockHandle lock(String name) {
    String parent = "/floor-bench/" + name;
    try {
      curator.create().orSetData().creatingParentsIfNeeded().forPath(parent);
    } catch (Exception e) {
      throw new IllegalStateException("could not create " + parent, e);
    }
    ReentrantLock local = new ReentrantLock(true);
    return () -> {
      local.lockInterruptibly();
      boolean held = false;
      try {
        String node = acquire(parent);
        held = true;
        return () -> {
          try {
            delete(node);
          } finally {
            local.unlock();
          }
        };
      } finally {
        if (!held) {
          local.unlock();
        }
      }
    };
  }

  private String acquire(String parent) throws KeeperException, InterruptedException {
    while (true) {
      CompletableFuture<String> created = new CompletableFuture<>();
      CompletableFuture<List<String>> children = new CompletableFuture<>();
      zk.create(parent + "/n-", DATA, Servers.OPEN_ACL, CreateMode.EPHEMERAL_SEQUENTIAL,
          (rc, path, ctx, name) -> answer(created, rc, name), null);
      zk.getChildren(parent, false, (rc, path, ctx, names) -> answer(children, rc, names), null);
      String node = await(created);
      List<String> queue = await(children);
      if (node.endsWith(Collections.min(queue))) {
        return node;
      }
      delete(node);
    }
  }

  private void delete(String node) throws KeeperException, InterruptedException {
    CompletableFuture<Object> deleted = new CompletableFuture<>();
    zk.delete(node, -1, (rc, path, ctx) -> answer(deleted, rc, path), null);
    await(deleted);
  }

  private static <T> void answer(CompletableFuture<T> future, int rc, T value) {
    if (rc == KeeperException.Code.OK.intValue()) {
      future.complete(value);
    } else {
      future.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc)));
    }
  }

  private static <T> T await(CompletableFuture<T> future) throws KeeperException, InterruptedException {
    try {
      return future.get(ANSWER_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KeeperException cause) {
        throw cause;
      }
      throw new IllegalStateException("ZooKeeper call failed", e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer from ZooKeeper within " + ANSWER_SECONDS + " s", e);
    }
  }

  @Override
  public void close() {
    curator.close();
  }
}
