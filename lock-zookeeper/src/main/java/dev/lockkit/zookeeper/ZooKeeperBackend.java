package dev.lockkit.zookeeper;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.internal.CallBounds;
import dev.lockkit.internal.CallerWaits;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendContext;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper side of one lockkit client: one Curator client (one session), the acquisitions waiting on
 * it and the leases it holds, and the one connection-state listener that tells those leases what the
 * session does.
 */
final class ZooKeeperBackend implements LockBackend, ConnectionStateListener {
  private static final int OK = KeeperException.Code.OK.intValue();
  private static final int NONODE = KeeperException.Code.NONODE.intValue();
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperBackend.class);

  private final ZkSettings settings;
  private final BackendContext context;
  private final ZkConnection connection;
  private final Set<ZkAcquisition> pending = ConcurrentHashMap.newKeySet();
  private final Set<ZkLease> held = ConcurrentHashMap.newKeySet();
  private final QuietParents quietParents = new QuietParents();
  /** Bounds each request by the command timeout, with one sweep instead of a timer task per request. */
  private final CallBounds bounds;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The session last checked against the lease time, so that a short session is logged once. */
  private final AtomicLong checkedSession = new AtomicLong();
  /** Whether keepers are made TTL nodes: until the ensemble refuses one (extended types not enabled). */
  private volatile boolean ttlKeepers = true;

  /**
   * The backend of one client, on a connection already established (see {@link ZkConnection#open}), which it
   * closes when it closes. Acquisitions complete on ZooKeeper's event thread: the lockkit client chains nothing
   * there that waits (it hands callers' continuations to the default async pool), as with the Redis driver's
   * I/O thread, and a hop to another thread cost up to a tenth of an uncontended lock and unlock on a two-core
   * machine.
   */
  ZooKeeperBackend(ZkSettings settings, BackendContext context, ZkConnection connection) {
    this.settings = settings;
    this.context = context;
    this.connection = connection;
    this.bounds = new CallBounds(context.scheduler(), context.options().commandTimeout());
    connection.curator().getConnectionStateListenable().addListener(this);
    log.debug("Lock client {} connected to {} (session 0x{} of {} granted, threads {}; {})", context.clientId(),
        describe(), Long.toHexString(sessionId()), connection.sessionTimeout(), connection.threadPrefix(),
        settings);
    checkSession();
  }

  @Override
  public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new LockClientClosedException("the LockClient (" + describe()
          + ") was closed as acquisition of lock '" + request.name() + "' began"));
    }
    String lockPath = LockNodes.lockPath(settings.chroot(), request.namespace(), request.name());
    return new ZkAcquisition(this, request, lockPath).start();
  }

  @Override
  public String describe() {
    return connection.describe();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (ZkAcquisition attempt : new ArrayList<>(pending)) {
        attempt.fail(new LockClientClosedException("the LockClient (" + describe() + ") was closed while waiting"));
      }
      bounds.close();
      // on an application's framework the listener would outlive the client: the framework stays open
      connection.curator().getConnectionStateListenable().removeListener(this);
      connection.close();
    }
  }

  /** Closes the session without deleting anything: the server drops its ephemeral lock nodes. */
  @Override
  public void abandon() {
    close();
  }

  // ---- what acquisitions and leases use ----

  ZkConnection connection() {
    return connection;
  }

  QuietParents quietParents() {
    return quietParents;
  }

  CuratorFramework curator() {
    return connection.curator();
  }

  long sessionId() {
    return connection.sessionId();
  }

  String commandTimeout() {
    return context.options().commandTimeout().toString();
  }

  /** Runs {@code expired} on the client's timer thread if {@code call} has no answer within the command timeout. */
  void bound(CompletableFuture<?> call, Runnable expired) {
    bounds.bound(call, expired);
  }

  /** Runs {@code task} after the delay on the client's timer thread; null if the client is closed. */
  @Nullable ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return context.scheduler().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  void waiting(ZkAcquisition attempt) {
    pending.add(attempt);
  }

  void doneWaiting(ZkAcquisition attempt) {
    pending.remove(attempt);
  }

  void holding(ZkLease lease) {
    held.add(lease);
  }

  void notHolding(ZkLease lease) {
    held.remove(lease);
  }

  /**
   * Deletes a node now or, through connection loss, later; its result code. Sent on the handle directly where it
   * can be: on the calling thread if it blocks for the answer anyway ({@link ZkConnection#deleteOnCaller}), else in
   * the background ({@link ZkConnection#deleteDirectly}); when that is not answered with done or gone (a connection
   * lost meanwhile, no answer within the request timeout), and where it cannot be sent so, by Curator's guaranteed
   * delete, which keeps trying through connection loss.
   */
  CompletableFuture<Integer> deleteGuaranteed(String path) {
    if (CallerWaits.now()) {
      Integer rc;
      try {
        rc = connection.deleteOnCaller(path);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        // our delete was sent: a node that is gone is most likely gone by it
        return curatorGuaranteedDelete(path).thenApply(code -> code == NONODE ? OK : code);
      }
      if (rc != null) {
        return doneOrRetried(rc, path);
      }
    }
    CompletableFuture<Integer> direct = connection.deleteDirectly(path);
    if (direct == null) {
      return curatorGuaranteedDelete(path);
    }
    return direct.thenCompose(rc -> doneOrRetried(rc, path));
  }

  /** A direct delete's outcome: done or gone as answered, else handed to Curator's guaranteed delete. */
  private CompletableFuture<Integer> doneOrRetried(int rc, String path) {
    return rc == OK || rc == NONODE ? CompletableFuture.completedFuture(rc) : curatorGuaranteedDelete(path);
  }

  private CompletableFuture<Integer> curatorGuaranteedDelete(String path) {
    return connection.call(cb -> curator().delete().guaranteed().inBackground(cb).forPath(path))
        .thenApply(CuratorEvent::getResultCode);
  }

  /** {@link #deleteGuaranteed}, failures logged. */
  void deleteQuietly(String path) {
    deleteGuaranteed(path).whenComplete((rc, t) -> {
      if (t != null) {
        log.debug("Delete of {} could not be sent: {}", path, t.toString());
      } else if (rc != 0 && rc != KeeperException.Code.NONODE.intValue()) {
        log.debug("Delete of {} answered {}; Curator retries it", path, rc);
      }
    });
  }

  /** Deletes a node once, with no retry; a failure is logged (for keepers: the next contender deletes it). */
  void deleteOnce(String path) {
    connection.call(cb -> curator().delete().inBackground(cb).forPath(path)).whenComplete((e, t) -> {
      if (t != null || (e.getResultCode() != 0 && e.getResultCode() != KeeperException.Code.NONODE.intValue())) {
        log.debug("Delete of {} failed: {}", path, t != null ? t.toString() : e.getResultCode());
      }
    });
  }

  /** Whether keepers are to be TTL nodes: true until the ensemble refused one. */
  boolean ttlKeepers() {
    return ttlKeepers;
  }

  /** The ensemble refused a TTL node: keepers are plain persistent nodes from now on. */
  void noTtlKeepers() {
    if (ttlKeepers) {
      ttlKeepers = false;
      log.info("{} does not create TTL nodes (zookeeper.extendedTypesEnabled is not set): a lock kept for a minimum "
          + "hold is held by a persistent node, which the next contender for the lock, or the client that kept "
          + "it, deletes once the hold has ended", describe());
    }
  }

  // ---- the session's state, told to every lease and pending acquisition ----

  /**
   * Warns once per session if the server granted less than the lease time. The options were capped at the
   * session granted when connecting; a later session (after an expiry) is granted anew, by a server whose
   * bounds may have changed, and then a holder paused longer than that session may trust a lease the server
   * has ended.
   */
  private void checkSession() {
    long session = sessionId();
    if (session == 0 || checkedSession.getAndSet(session) == session) {
      return;
    }
    Duration granted = connection.sessionTimeout();
    Duration lease = context.options().leaseTime();
    if (granted.compareTo(lease) < 0) {
      log.warn("{} granted lock client {} a session of {}, shorter than its lease time of {}: a holder paused "
          + "longer than the session may trust a lease the server has ended; ask for a sessionTimeout the server "
          + "grants, or a shorter lease time", describe(), context.clientId(), granted, lease);
    }
  }

  @Override
  public void stateChanged(CuratorFramework client, ConnectionState state) {
    log.debug("Connection of lock client {} to {}: {}", context.clientId(), describe(), state);
    switch (state) {
      case SUSPENDED, READ_ONLY -> held.forEach(lease -> lease.events().suspended());
      case CONNECTED, RECONNECTED -> {
        checkSession();
        long session = sessionId();
        for (ZkLease lease : held) {
          if (lease.sessionId() == session) {
            lease.events().resumed();
          } else {
            lease.lose("the ZooKeeper session that held it ended while the connection was down", null);
          }
        }
      }
      case LOST -> {
        for (ZkLease lease : held) {
          lease.lose("the ZooKeeper session expired (connection LOST)", null);
        }
        for (ZkAcquisition attempt : new ArrayList<>(pending)) {
          attempt.fail(new LockBackendException("the ZooKeeper session to " + describe()
              + " expired while acquiring", null));
        }
      }
      default -> {
        // no other states
      }
    }
  }
}
