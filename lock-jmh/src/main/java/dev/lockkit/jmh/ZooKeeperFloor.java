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
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;

/**
 * The floor of a ZooKeeper queue lock: the fewest requests any recipe of ephemeral-sequential nodes sends, on the
 * raw {@link ZooKeeper} handle with nothing else around them. Acquire: the create and the children read
 * pipelined on one session, one wait for both; first in the queue wins, else the node is deleted and the cycle
 * repeated (a spin, as {@link Contender#FLOOR_LETTUCE} spins). Right after its own release the create goes
 * alone: numbered right after the released node, nothing was created between, so it wins without the read
 * (lockkit's quick re-acquisition; the parent here is persistent and nobody deletes it, so it needs no watch).
 * Release: the delete, waited for. Threads of one JVM queue on a local lock first, so that only a rival process
 * ever makes the cycle repeat. A timed acquire waits for the local lock within its bound, then gives up only
 * between cycles, after one lost to a rival. No fencing, no renewal, no session handling: not a lock anyone
 * should use, only the bound the server sets.
 */
final class ZooKeeperFloor implements Contender.Instance {
  private static final long ANSWER_SECONDS = 30;
  private static final byte[] DATA = "floor".getBytes(StandardCharsets.UTF_8);

  private final RawZooKeeper session;
  private final ZooKeeper zk;

  ZooKeeperFloor() throws InterruptedException {
    session = new RawZooKeeper();
    zk = session.handle();
  }

  @Override
  public LockHandle lock(String name) {
    String parent = session.persistent("/floor-bench/" + name);
    ReentrantLock local = new ReentrantLock(true);
    // the sequence the next create gets if nobody else created since our release; -1 if unknown (under local)
    long[] next = {-1};
    return LockHandle.of(() -> {
      local.lockInterruptibly();
      AutoCloseable held = underLocal(local, parent, next, null);
      if (held == null) {
        throw new IllegalStateException("no deadline, yet the floor gave up on " + parent);
      }
      return held;
    }, maxWait -> {
      long deadline = System.nanoTime() + maxWait.toNanos();
      return local.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS) ? underLocal(local, parent, next, deadline)
          : null;
    });
  }

  /**
   * Once this JVM's {@code local} lock is held: takes the server's, and returns what releases both; or, past the
   * deadline, releases {@code local} and returns null. {@code local} is released also if taking throws.
   */
  private @Nullable AutoCloseable underLocal(ReentrantLock local, String parent, long[] next, @Nullable Long deadline)
      throws KeeperException, InterruptedException {
    boolean held = false;
    try {
      String node = acquire(parent, next[0], deadline);
      next[0] = -1;
      if (node == null) {
        return null;
      }
      held = true;
      return () -> {
        try {
          delete(node);
          next[0] = sequence(node) + 1;
        } finally {
          local.unlock();
        }
      };
    } finally {
      if (!held) {
        local.unlock();
      }
    }
  }

  /**
   * Takes the lock, or gives up (null) once a lost cycle ends past {@code deadline}, if there is one; a cycle
   * under way is not cut short, so the wait may overrun by one create, read and delete.
   */
  private @Nullable String acquire(String parent, long expected, @Nullable Long deadline)
      throws KeeperException, InterruptedException {
    while (true) {
      CompletableFuture<String> created = new CompletableFuture<>();
      CompletableFuture<List<String>> children = new CompletableFuture<>();
      zk.create(parent + "/n-", DATA, Servers.OPEN_ACL, CreateMode.EPHEMERAL_SEQUENTIAL,
          (rc, path, ctx, name) -> answer(created, rc, name), null);
      if (expected < 0) {
        zk.getChildren(parent, false, (rc, path, ctx, names) -> answer(children, rc, names), null);
      }
      String node = await(created);
      if (expected >= 0 && sequence(node) == expected) {
        return node;
      }
      if (expected >= 0) {
        zk.getChildren(parent, false, (rc, path, ctx, names) -> answer(children, rc, names), null);
        expected = -1;
      }
      List<String> queue = await(children);
      if (node.endsWith(Collections.min(queue))) {
        return node;
      }
      delete(node);
      if (deadline != null && System.nanoTime() - deadline >= 0) {
        return null;
      }
    }
  }

  /** The server's sequence at the end of a node's name. */
  private static long sequence(String node) {
    return Long.parseLong(node.substring(node.length() - 10));
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
    session.close();
  }
}
