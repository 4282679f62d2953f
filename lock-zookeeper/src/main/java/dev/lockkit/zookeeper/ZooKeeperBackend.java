package dev.lockkit.zookeeper;

import dev.lockkit.LockBackendException;
import dev.lockkit.internal.CallBounds;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendContext;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
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
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperBackend.class);

  private final ZkSettings settings;
  private final BackendContext context;
  private final ZkConnection connection;
  /**
   * Curator's service for work it keeps off the ZooKeeper event thread ({@code runSafe}). Acquisitions complete
   * on the event thread itself: the lockkit client chains nothing there that waits (it hands callers'
   * continuations to the default async pool), as with the Redis driver's I/O thread, and a hop to another thread
   * cost up to a tenth of an uncontended lock and unlock on a two-core machine.
   */
  private final ExecutorService safeService;
  private final Set<ZkAcquisition> pending = ConcurrentHashMap.newKeySet();
  private final Set<ZkLease> held = ConcurrentHashMap.newKeySet();
  private final QuietParents quietParents = new QuietParents();
  /** Bounds each request by the command timeout, with one sweep instead of a timer task per request. */
  private final CallBounds bounds;
  private final AtomicBoolean closed = new AtomicBoolean();

  ZooKeeperBackend(ZkSettings settings, BackendContext context) {
    this.settings = settings;
    this.context = context;
    String prefix = "lockkit-" + context.clientId() + "-zk";
    AtomicInteger threads = new AtomicInteger();
    // a thread per task under way, as CompletableFuture's own async methods would: a task that blocks must not
    // hold up the one that would unblock it
    ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        runnable -> {
          Thread t = new Thread(runnable, prefix + "-safe-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.safeService = pool;
    this.connection = new ZkConnection(settings, prefix, safeService);
    connection.curator().getConnectionStateListenable().addListener(this);
    try {
      connection.connect(context.options().commandTimeout());
    } catch (RuntimeException e) {
      safeService.shutdownNow();
      throw e;
    }
    this.bounds = new CallBounds(context.scheduler(), context.options().commandTimeout());
    log.debug("Lock client {} connected to {} ({})", context.clientId(), describe(), settings);
    org.apache.zookeeper.ZooKeeper zk = connection.handle();
    long leaseMillis = context.options().leaseTime().toMillis();
    if (zk != null && zk.getSessionTimeout() > 0 && zk.getSessionTimeout() < leaseMillis) {
      // the server clamped the session below what was asked, and below the lease time
      log.warn("{} granted lock client {} a session of {} ms, shorter than its lease time of {} ms: a holder "
          + "paused longer than the session may trust a lease the server has ended; ask for a sessionTimeout "
          + "the server grants", describe(), context.clientId(), zk.getSessionTimeout(), leaseMillis);
    }
  }

  @Override
  public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("the ZooKeeper backend is closed"));
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
        attempt.fail(new IllegalStateException("the LockClient was closed while waiting"));
      }
      bounds.close();
      connection.close();
      safeService.shutdown();
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

  /** Deletes a node now or, through connection loss, later (Curator's guaranteed delete); failures logged. */
  void deleteQuietly(String path) {
    connection.call(cb -> curator().delete().guaranteed().inBackground(cb).forPath(path)).whenComplete((e, t) -> {
      if (t != null) {
        log.debug("Delete of {} could not be sent: {}", path, t.toString());
      } else if (e.getResultCode() != 0 && e.getResultCode() != KeeperException.Code.NONODE.intValue()) {
        log.debug("Delete of {} answered {}; Curator retries it", path, e.getResultCode());
      }
    });
  }

  // ---- the session's state, told to every lease and pending acquisition ----

  @Override
  public void stateChanged(CuratorFramework client, ConnectionState state) {
    log.debug("Connection of lock client {} to {}: {}", context.clientId(), describe(), state);
    switch (state) {
      case SUSPENDED, READ_ONLY -> held.forEach(lease -> lease.events().suspended());
      case CONNECTED, RECONNECTED -> {
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
