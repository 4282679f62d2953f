package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.LockHandle;
import dev.lockkit.jmh.RawZooKeeper;
import dev.lockkit.jmh.servers.Servers;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * The floor of a ZooKeeper hand-off, for {@link HandoffProbe}: ZooKeeper's documented lock recipe on the raw
 * {@link ZooKeeper} handle, no lock library. Acquire: create an ephemeral-sequential node and read the children;
 * the lowest holds the lock, any other watches its predecessor ({@code exists} with a watch). When the predecessor
 * goes, the watch's event, on the client's event thread, sends the children read again at once, and its answer
 * completes the waiting thread's future. So a hand-off is the delete, the event, one read and the thread
 * wake-ups, as lockkit's and Curator's waiters do it, and nothing else: no fencing, no session handling, no
 * re-check; not a lock anyone should use, only the bound the server and the driver set.
 */
final class ZooKeeperWakeFloor implements Contender.Instance {
  private static final long ANSWER_SECONDS = 30;
  private static final byte[] DATA = "wake-floor".getBytes(StandardCharsets.UTF_8);

  private final RawZooKeeper session;
  private final ZooKeeper zk;

  ZooKeeperWakeFloor() throws InterruptedException {
    session = new RawZooKeeper();
    zk = session.handle();
  }

  @Override
  public LockHandle lock(String name) {
    String parent = session.persistent("/wake-floor/" + name);
    return () -> {
      String node = zk.create(parent + "/n-", DATA, Servers.OPEN_ACL, CreateMode.EPHEMERAL_SEQUENTIAL);
      Waiter waiter = new Waiter(parent, node.substring(parent.length() + 1));
      waiter.read();
      try {
        waiter.won.get(ANSWER_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        zk.delete(node, -1);
        throw new IllegalStateException("the ZooKeeper wake floor did not get " + parent + " within "
            + ANSWER_SECONDS + " s", e);
      }
      return () -> zk.delete(node, -1);
    };
  }

  /** One acquisition: reads the queue, and watches its predecessor until it is first. */
  private final class Waiter implements Watcher, AsyncCallback.Children2Callback, AsyncCallback.StatCallback {
    final CompletableFuture<Void> won = new CompletableFuture<>();
    private final String parent;
    private final String node;

    Waiter(String parent, String node) {
      this.parent = parent;
      this.node = node;
    }

    void read() {
      zk.getChildren(parent, false, this, null);
    }

    /** The children read's answer: first holds the lock; else the predecessor is watched. */
    @Override
    public void processResult(int rc, String path, Object ctx, List<String> children, Stat stat) {
      if (rc != KeeperException.Code.OK.intValue()) {
        won.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
        return;
      }
      Collections.sort(children); // one prefix, so the names sort as their sequence numbers
      int index = children.indexOf(node);
      if (index == 0) {
        won.complete(null);
      } else if (index < 0) {
        won.completeExceptionally(new IllegalStateException("node " + node + " vanished from " + parent));
      } else {
        zk.exists(parent + "/" + children.get(index - 1), this, this, null);
      }
    }

    /** The watch's answer: a predecessor gone already means reading again; else the watch waits. */
    @Override
    public void processResult(int rc, String path, Object ctx, Stat stat) {
      if (rc == KeeperException.Code.NONODE.intValue()) {
        read();
      } else if (rc != KeeperException.Code.OK.intValue()) {
        won.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
      }
    }

    /** The predecessor changed or went: read again, on the event thread, as the recipe says. */
    @Override
    public void process(WatchedEvent event) {
      if (event.getType() != Event.EventType.None) {
        read();
      }
    }
  }

  @Override
  public void close() {
    session.close();
  }
}
