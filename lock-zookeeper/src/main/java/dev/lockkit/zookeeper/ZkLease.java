package dev.lockkit.zookeeper;

import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LeaseEvents;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * A won lock node: its path, the {@code czxid} that is its fencing token, and the session that owns it. The
 * session, not a TTL, keeps the node; renewing only confirms that the node is still this session's.
 */
final class ZkLease implements BackendLease, Watcher {
  private static final int OK = KeeperException.Code.OK.intValue();
  private static final int NONODE = KeeperException.Code.NONODE.intValue();

  private final ZooKeeperBackend backend;
  private final String lockName;
  private final String path;
  private final long czxid;
  private final long sessionId;
  private final long acquiredAtNanos;
  private final LeaseEvents events;
  private final AtomicBoolean released = new AtomicBoolean();
  private final AtomicBoolean lost = new AtomicBoolean();
  private final byte[] owner;
  /** Won with no other node in the queue: its release prepares a quick re-acquisition. */
  private final boolean alone;

  ZkLease(ZooKeeperBackend backend, String lockName, String path, long czxid, long sessionId,
      long acquiredAtNanos, LeaseEvents events, byte[] owner, boolean alone) {
    this.backend = backend;
    this.lockName = lockName;
    this.path = path;
    this.czxid = czxid;
    this.sessionId = sessionId;
    this.acquiredAtNanos = acquiredAtNanos;
    this.events = events;
    this.owner = owner.clone();
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
   * True while the node exists, was created by this very acquisition (same {@code czxid}) and is owned by the
   * current session. One read; nothing to extend, since the session keeps the node. The read also (re)arms a
   * watch on the node, so that from the first renewal on, a node deleted by someone else is reported at once
   * rather than at the next renewal.
   */
  @Override
  public CompletableFuture<Boolean> renew(Duration leaseTime) {
    if (released.get() || lost.get()) {
      return CompletableFuture.completedFuture(false);
    }
    return backend.connection()
        // getData, not checkExists: on a missing node it leaves no watch behind
        .call(cb -> backend.curator().getData().usingWatcher(this).inBackground(cb).forPath(path))
        .thenApply(this::confirms);
  }

  /**
   * A write, so that it goes through the leader in the order of every other change: a read may be served by
   * a follower that has not yet seen this session expire and its node go. Rewrites the owner token at any
   * version (a write whose answer was lost in a leader change has moved the version on, and the sequential
   * path is this acquisition's alone); true if the node was still there. The session, not a TTL, keeps the
   * node, so there is nothing to extend.
   */
  @Override
  public CompletableFuture<Boolean> confirm(Duration leaseTime) {
    if (released.get() || lost.get() || backend.sessionId() != sessionId) {
      return CompletableFuture.completedFuture(false);
    }
    return backend.connection()
        .call(cb -> backend.curator().setData().inBackground(cb).forPath(path, owner))
        .thenApply(event -> {
          int rc = event.getResultCode();
          if (rc == OK && event.getStat() != null) {
            return event.getStat().getCzxid() == czxid && event.getStat().getEphemeralOwner() == sessionId;
          }
          if (rc == NONODE) {
            return false;
          }
          throw backend.connection().failure("confirmation of lock '" + lockName + "'", event);
        });
  }

  /** The node's watch: on the ZooKeeper event thread; {@link #lose} only hands the news to the client. */
  @Override
  public void process(WatchedEvent event) {
    if (event.getType() == Event.EventType.NodeDeleted && !released.get()) {
      lose("its lock node " + path + " was deleted by another client", null);
    }
  }

  private boolean confirms(CuratorEvent event) {
    int rc = event.getResultCode();
    Stat stat = event.getStat();
    if (rc == NONODE || (rc == OK && stat == null)) {
      return false;
    }
    if (rc != OK) {
      throw backend.connection().failure("renewal of lock '" + lockName + "'", event);
    }
    return stat.getCzxid() == czxid && stat.getEphemeralOwner() == sessionId && backend.sessionId() == sessionId;
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
    return watched
        .thenCompose(ignored -> backend.connection()
            .call(cb -> backend.curator().delete().guaranteed().inBackground(cb).forPath(path)))
        .thenApply(event -> {
          int rc = event.getResultCode();
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
              + ", retried in the background)", event);
        });
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
