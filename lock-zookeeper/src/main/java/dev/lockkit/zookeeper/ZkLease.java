package dev.lockkit.zookeeper;

import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LeaseEvents;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * A won lock node: its path, the {@code czxid} that is its fencing token, and the session that owns it. The
 * session, not a TTL, keeps the node; renewing only confirms, through the leader, that the node is still there.
 */
final class ZkLease implements BackendLease, Watcher {
  private static final int OK = KeeperException.Code.OK.intValue();
  private static final int NONODE = KeeperException.Code.NONODE.intValue();
  private static final int UNIMPLEMENTED = KeeperException.Code.UNIMPLEMENTED.intValue();

  private final ZooKeeperBackend backend;
  private final String lockName;
  private final String path;
  private final long czxid;
  private final long sessionId;
  private final long acquiredAtNanos;
  private final LeaseEvents events;
  private final AtomicBoolean released = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();
  /** Won with no other node in the queue: its release prepares a quick re-acquisition. */
  private final boolean alone;
  /** The node's watch is set: a watching read was answered, and no event on the node came since. */
  private volatile boolean watched;

  ZkLease(ZooKeeperBackend backend, String lockName, String path, long czxid, long sessionId,
      long acquiredAtNanos, LeaseEvents events, boolean alone) {
    this.backend = backend;
    this.lockName = lockName;
    this.path = path;
    this.czxid = czxid;
    this.sessionId = sessionId;
    this.acquiredAtNanos = acquiredAtNanos;
    this.events = events;
    this.alone = alone;
  }

  @Override
  public long fencingToken() {
    return czxid;
  }

  @Override
  public long acquiredAtNanos() {
    return acquiredAtNanos;
  }

  long sessionId() {
    return sessionId;
  }

  LeaseEvents events() {
    return events;
  }

  /** Tells the holder once that the lease is gone. */
  void lose(String reason, @Nullable Throwable cause) {
    if (!released.get() && lost.compareAndSet(false, true)) {
      backend.notHolding(this);
      events.lost(reason, cause);
    }
  }

  /**
   * True while the node exists, and the session that created it is the client's session. A write, not a read:
   * a transaction of one version check on the node, which goes through the leader in the order of every other
   * change, so that a follower cut off from the quorum (or behind it) cannot answer for a node the leader has
   * already deleted with its expired session; without the quorum, no answer comes and the lease runs out. The
   * check changes nothing, so it fires no watch and writes no data, but the ensemble logs it as a transaction.
   * The sequential path, with Curator's protection id in it, was made by this acquisition alone, so the node
   * there is this acquisition's node. Nothing to extend: the session keeps the node.
   *
   * <p>Unless the node's watch is known to be set, a watching read goes right behind the check (on the same
   * session, so it costs no extra round trip): from the first renewal on, a node deleted by someone else is
   * reported at once rather than at the next renewal.
   */
  @Override
  public CompletableFuture<Boolean> renew(Duration leaseTime) {
    if (released.get() || lost.get() || backend.sessionId() != sessionId) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<CuratorEvent> check = backend.connection().call(cb -> backend.curator().transaction()
        .inBackground(cb).forOperations(backend.curator().transactionOp().check().forPath(path)));
    if (!watched) {
      watch();
    }
    return check.thenApply(event -> {
      int rc = event.getResultCode();
      if (rc == OK) {
        return backend.sessionId() == sessionId;
      }
      if (rc == NONODE) {
        return false;
      }
      throw backend.connection().failure("renewal of lock '" + lockName + "'", event);
    });
  }

  /** As {@link #renew}: a write through the leader, so its answer is linearizable. */
  @Override
  public CompletableFuture<Boolean> confirm(Duration leaseTime) {
    return renew(leaseTime);
  }

  /** Sets the node's watch; getData, not checkExists: on a missing node it leaves no watch behind. */
  private void watch() {
    backend.connection().call(cb -> backend.curator().getData().usingWatcher(this).inBackground(cb).forPath(path))
        .thenAccept(event -> {
          if (event.getResultCode() == OK) {
            watched = true; // on the event thread, after any event of a watch set before
          }
        });
  }

  /** The node's watch: on the ZooKeeper event thread; {@link #lose} only hands the news to the client. */
  @Override
  public void process(WatchedEvent event) {
    if (event.getType() == Event.EventType.None) {
      return; // the connection's state: the client sets the watch again on reconnecting, within the session
    }
    watched = false; // the server dropped the watch as it fired
    if (event.getType() == Event.EventType.NodeDeleted && !released.get()) {
      lose("its lock node " + path + " was deleted by another client", null);
    }
  }

  /**
   * Deletes the node; true if it was there. On connection loss Curator keeps deleting it in the background
   * (guaranteed delete) while this future reports the failure; the lease counts as released either way.
   *
   * <p>A lease won alone first has its parent watched, if this client released the lock shortly before (one
   * round trip before the delete, once per parent), and tells the client the node's sequence once it is
   * deleted: the next acquisition may then win with the create alone ({@link QuietParents}).
   */
  @Override
  public CompletableFuture<Boolean> release() {
    if (!released.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(false);
    }
    backend.notHolding(this);
    String lockPath = path.substring(0, path.lastIndexOf('/'));
    QuietParents quiet = backend.quietParents();
    QuietParents.Parent toWatch = alone ? quiet.toWatch(lockPath) : null;
    CompletableFuture<?> watched = toWatch == null ? CompletableFuture.completedFuture(null) : watch(toWatch, lockPath);
    return watched.thenCompose(ignored -> backend.deleteGuaranteed(path)).thenApply(rc -> {
      if (rc == OK) {
        if (alone) {
          quiet.released(lockPath, LockNodes.sequence(LockNodes.nodeName(path)));
        }
        return true;
      }
      if (rc == NONODE) {
        return false;
      }
      throw backend.connection().failure("release of lock '" + lockName + "' (guaranteed delete of " + path
          + ", retried in the background)", rc, path);
    });
  }

  /**
   * Replaces the node by a keeper ({@link LockNodes#keeperName}) in one transaction: a change of the node's data,
   * then its delete (both fail if the node is gone, so that nothing is kept then), and the keeper's create, a
   * persistent node beside the lock nodes whose data is the keep in ms. It holds the lock until its {@code ctime}
   * plus the keep, on the server's clock, whatever becomes of this client: the acquisition first in the queue
   * waits for it to end ({@link ZkAcquisition}), then deletes it. The successor of the node is woken by the change
   * (a delete alone would hand it the lock), reads the queue, finds the keeper, and waits on it.
   *
   * <p>The keeper is a TTL node (TTL = the keep) where the ensemble creates them
   * ({@code zookeeper.extendedTypesEnabled=true}), so the server deletes it some time after its end even if no
   * one comes for the lock again; elsewhere the create is refused once, and keepers are plain persistent
   * nodes. Either way this client deletes it at its end, if it is still running then (best effort).
   */
  @Override
  public CompletableFuture<Boolean> releaseKeeping(Duration keepFor) {
    if (!released.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(false);
    }
    backend.notHolding(this);
    String keeper = path.substring(0, path.lastIndexOf('/') + 1) + LockNodes.keeperName(czxid);
    return keep(keeper, LockNodes.ceilMillis(keepFor), backend.ttlKeepers());
  }

  private CompletableFuture<Boolean> keep(String keeper, long keepMillis, boolean ttl) {
    byte[] data = LockNodes.keeperData(keepMillis);
    CuratorFramework curator = backend.curator();
    // the data first: the node's watchers hear of a change, not of a delete, and read the queue, where they find
    // the keeper; a delete alone wins the lock for the next in the queue at once (ZkAcquisition#process)
    return backend.connection().call(cb -> curator.transaction().inBackground(cb).forOperations(
            curator.transactionOp().setData().forPath(path, data),
            curator.transactionOp().delete().forPath(path),
            ttl ? curator.transactionOp().create().withTtl(keepMillis).withMode(CreateMode.PERSISTENT_WITH_TTL)
                .forPath(keeper, data)
                : curator.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(keeper, data)))
        .thenCompose(event -> {
          int rc = event.getResultCode();
          if (rc == OK) {
            return CompletableFuture.completedFuture(kept(keeper, keepMillis));
          }
          if (rc == NONODE) {
            // Curator sends the transaction again after a connection loss: if the server had applied it, our
            // keeper (no one else makes one of that name) is there
            return backend.connection().call(cb -> curator.checkExists().inBackground(cb).forPath(keeper))
                .thenApply(read -> read.getResultCode() == OK && read.getStat() != null && kept(keeper, keepMillis));
          }
          if (rc == UNIMPLEMENTED && ttl) {
            backend.noTtlKeepers(); // the transaction failed as a whole: our node is still there
            return keep(keeper, keepMillis, false);
          }
          throw backend.connection().failure("release of lock '" + lockName + "' keeping it for " + keepMillis
              + " ms (delete of " + path + ", create of " + keeper + ")", event);
        });
  }

  /** The keeper was made: this client deletes it at its end, if still running then. Returns true. */
  private boolean kept(String keeper, long keepMillis) {
    // the server stamped the keeper's ctime before it answered: from here, the keep has passed there too
    backend.schedule(() -> backend.deleteOnce(keeper), TimeUnit.MILLISECONDS.toNanos(keepMillis));
    return true;
  }

  /**
   * Sets the parent's watch while our node keeps the parent from going; the delete is sent only once this is
   * answered (a read queued by Curator through a connection loss could otherwise be served after it). Never
   * fails: without the watch, the next acquisition simply reads the queue.
   */
  private CompletableFuture<?> watch(QuietParents.Parent parent, String lockPath) {
    int events = parent.events();
    return backend.connection()
        .call(cb -> backend.curator().checkExists().usingWatcher(parent).inBackground(cb).forPath(lockPath))
        .handle((event, failure) -> {
          if (failure == null && event.getResultCode() == OK && event.getStat() != null) {
            parent.confirmed(events);
          } else {
            parent.failed();
          }
          return null;
        });
  }

  @Override
  public String toString() {
    return "ZkLease{" + path + ", czxid=" + czxid + ", session=0x" + Long.toHexString(sessionId) + '}';
  }
}
