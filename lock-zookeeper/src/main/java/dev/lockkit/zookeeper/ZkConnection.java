package dev.lockkit.zookeeper;

import dev.lockkit.LockBackendException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Curator client and the ZooKeeper handle under it: building it from the URI's settings, connecting
 * within a bound, the current session's id and timeout, and background calls as futures. Owns the client's
 * threads: Curator's, ZooKeeper's and the executor Curator runs {@code runSafe} work on.
 */
final class ZkConnection {
  /** Starts one background call: the builder chain up to {@code inBackground(callback).forPath(...)}. */
  @FunctionalInterface
  interface Call {
    void start(BackgroundCallback callback) throws Exception;
  }

  private static final Logger log = LoggerFactory.getLogger(ZkConnection.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  /** Threads of the executor for Curator's {@code runSafe} work, at most. */
  static final int SAFE_THREADS = 2;
  /** Tasks queued there while its threads are busy, at most; more are refused. */
  static final int SAFE_QUEUE = 1_000;

  private final ZkSettings settings;
  private final Duration commandTimeout;
  private final String threadPrefix;
  /** The executor of Curator's runSafe work; null on an application's framework, which has its own. */
  private final @Nullable ThreadPoolExecutor safeService;
  private final CuratorFramework curator;
  /**
   * The application's framework that {@link #curator} is a view of (whose watchers are removed on close), or null
   * when the client is lockkit's own.
   */
  private final @Nullable CuratorFramework borrowed;
  /** What messages call the ensemble: the settings' URI, or the application's framework's hosts and namespace. */
  private final String description;
  /** The handle Curator made last; a new one after every session expiry. */
  private final AtomicReference<@Nullable ZooKeeper> handle = new AtomicReference<>();

  private ZkConnection(ZkSettings settings, Duration commandTimeout) {
    this.settings = settings;
    this.commandTimeout = commandTimeout;
    this.borrowed = null;
    this.description = settings.describe();
    this.threadPrefix = "lockkit-zk" + IDS.incrementAndGet();
    // Curator runs runSafe() work here (its recipes do; lockkit's own callbacks complete on the ZooKeeper event
    // thread and nothing of lockkit runs here). Curator's default is one thread; two let one task that waits
    // leave room for another, and the bounded queue keeps a flood of tasks from growing the heap or the thread
    // count without limit (a thread per task, as before, could mean thousands of threads): beyond it, runSafe
    // fails at once with a RejectedExecutionException. Idle threads end after 10 s.
    this.safeService = new ThreadPoolExecutor(SAFE_THREADS, SAFE_THREADS, 10, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(SAFE_QUEUE), daemonThreads(threadPrefix + "-safe"));
    safeService.allowCoreThreadTimeOut(true);
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
        .connectString(settings.connectString())
        .sessionTimeoutMs(millis(settings.sessionTimeout()))
        .connectionTimeoutMs(millis(settings.connectionTimeout()))
        .retryPolicy(new ExponentialBackoffRetry(millis(settings.retryBaseSleep()), settings.maxRetries()))
        .ensembleTracker(false)
        .threadFactory(daemonThreads(threadPrefix))
        .runSafeService(safeService)
        .zookeeperFactory(this::newZooKeeper);
    String digest = settings.digest();
    if (digest != null) {
      builder.authorization("digest", digest.getBytes(StandardCharsets.UTF_8)).aclProvider(new DigestAcls(digest));
    }
    this.curator = builder.build();
  }

  /**
   * A connection on the application's framework: lockkit's requests go through a view of it whose watchers
   * {@link #close} removes; the framework itself, its session and its threads stay the application's.
   */
  private ZkConnection(CuratorFramework framework, Duration commandTimeout) {
    this.commandTimeout = commandTimeout;
    this.borrowed = framework;
    this.safeService = null;
    this.threadPrefix = "the application's framework";
    String hosts = framework.getZookeeperClient().getCurrentConnectionString();
    String namespace = framework.getNamespace();
    this.description = "zookeeper://" + hosts + (namespace == null || namespace.isEmpty() ? "" : "/" + namespace)
        + " (an application's CuratorFramework)";
    // the framework's namespace prefixes every path already: lockkit's own chroot stays empty
    this.settings = new ZkSettings(hosts, "", ZkSettings.DEFAULT_SESSION_TIMEOUT, commandTimeout, 0,
        ZkSettings.DEFAULT_RETRY_BASE_SLEEP, null);
    this.curator = framework.newWatcherRemoveCuratorFramework();
  }

  /**
   * A connection on the application's started framework, once it has a session: at most {@code commandTimeout}.
   *
   * @throws IllegalArgumentException if the framework is not started (or closed already)
   * @throws LockBackendException if it has no session within the command timeout, or the wait was interrupted
   *     (the interrupt flag is kept)
   */
  static ZkConnection borrow(CuratorFramework framework, Duration commandTimeout) {
    org.apache.curator.framework.imps.CuratorFrameworkState state = framework.getState();
    if (state != org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) {
      throw new IllegalArgumentException("framework must be started (CuratorFramework.start()), was " + state
          + ": lockkit neither starts nor closes the application's framework");
    }
    ZkConnection connection = new ZkConnection(framework, commandTimeout);
    String what = "a ZooKeeper session with " + connection.description + " within the command timeout of "
        + commandTimeout;
    boolean connected;
    try {
      connected = framework.blockUntilConnected(millis(commandTimeout), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LockBackendException("interrupted while waiting for " + what, e);
    }
    if (!connected) {
      throw new LockBackendException("could not establish " + what + ": the framework is not connected",
          new TimeoutException("no session after " + commandTimeout));
    }
    return connection;
  }

  /**
   * Starts a client and blocks until its session is established, at most {@code commandTimeout}.
   *
   * @param settings what the URI says
   * @param commandTimeout the bound of connecting, and of the one synchronous request ZooKeeper's client sends,
   *     the close of its session
   * @return the connected client
   * @throws LockBackendException if no session was established in time (naming the ensemble and the timeout,
   *     with the cause), or the wait was interrupted (the interrupt flag is kept)
   */
  static ZkConnection open(ZkSettings settings, Duration commandTimeout) {
    ZkConnection connection = new ZkConnection(settings, commandTimeout);
    connection.connect();
    return connection;
  }

  private ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean readOnly)
      throws Exception {
    ZKClientConfig config = new ZKClientConfig();
    // bounds ZooKeeper's synchronous requests: lockkit sends none but the closeSession of close(), which would
    // otherwise wait for a server that accepted the connection and never answers until the session timeout
    config.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Long.toString(millis(commandTimeout)));
    ZooKeeper zk = new ZooKeeper(connectString, sessionTimeout, watcher, readOnly, config);
    handle.set(zk);
    return zk;
  }

  private void connect() {
    String what = "a ZooKeeper session with " + settings.describe() + " within the command timeout of "
        + commandTimeout;
    boolean connected;
    try {
      curator.start();
      connected = curator.blockUntilConnected(millis(commandTimeout), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeInBackground();
      throw new LockBackendException("interrupted while waiting for " + what, e);
    } catch (RuntimeException e) {
      closeInBackground();
      throw new LockBackendException("could not establish " + what + ": " + e, e);
    }
    if (!connected) {
      ZooKeeper zk = handle.get();
      String state = zk == null ? "no ZooKeeper handle was made" : "the ZooKeeper client was " + zk.getState();
      closeInBackground();
      throw new LockBackendException("could not establish " + what + ": no server of " + settings.connectString()
          + " completed the handshake (unreachable, refusing connections, or accepting them without answering)",
          new TimeoutException("no session after " + commandTimeout + "; " + state));
    }
  }

  /**
   * Closes a client that never connected without making the caller wait: its close sends the session's
   * closeSession request, which a server that accepted the connection and never answers leaves unanswered for
   * up to the command timeout (the request timeout above). The thread ends then at the latest.
   */
  private void closeInBackground() {
    Thread closer = new Thread(this::close, threadPrefix + "-close");
    closer.setDaemon(true);
    closer.start();
  }

  CuratorFramework curator() {
    return curator;
  }

  /** The id of the current session, 0 while there is none. */
  long sessionId() {
    ZooKeeper zk = currentHandle();
    return zk == null ? 0 : zk.getSessionId();
  }

  /**
   * The handle Curator made last. On an application's framework it is read from the framework while connected
   * (and kept): read while disconnected, Curator would also check its connection timeouts, which may reset the
   * connection.
   */
  private @Nullable ZooKeeper currentHandle() {
    CuratorFramework framework = borrowed;
    if (framework != null && framework.getZookeeperClient().isConnected()) {
      try {
        handle.set(framework.getZookeeperClient().getZooKeeper());
      } catch (Exception e) {
        log.debug("Reading the ZooKeeper handle of {} failed", description, e);
      }
    }
    return handle.get();
  }

  /**
   * The session timeout the server granted the current session: what was asked, clamped by the server to its
   * {@code minSessionTimeout} and {@code maxSessionTimeout}.
   *
   * @return the timeout granted; the one asked while no session is established
   */
  Duration sessionTimeout() {
    ZooKeeper zk = currentHandle();
    int granted = zk == null ? 0 : zk.getSessionTimeout();
    return granted > 0 ? Duration.ofMillis(granted) : settings.sessionTimeout();
  }

  /** The current ZooKeeper handle, for tests that need its session's id and password. */
  @Nullable ZooKeeper handle() {
    return handle.get();
  }

  /**
   * Runs a background call; the future completes with Curator's event (whatever its result code) on the
   * ZooKeeper event thread, or exceptionally if the call could not be started (closed client, bad path).
   */
  CompletableFuture<CuratorEvent> call(Call call) {
    CompletableFuture<CuratorEvent> result = new CompletableFuture<>();
    try {
      call.start((client, event) -> result.complete(event));
    } catch (Exception e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /**
   * Sends a delete of any version on the ZooKeeper handle itself, skipping Curator's builder and background
   * machinery, which cost a lock cycle more client CPU than the request: on lockkit's own client (whose paths are
   * the server's: no namespace), while connected. The result code, on the event thread; null where it cannot be
   * sent so (an application's framework, no connection), for the caller to go through Curator instead.
   */
  @Nullable CompletableFuture<Integer> deleteDirectly(String path) {
    ZooKeeper zk = directHandle();
    if (zk == null) {
      return null;
    }
    CompletableFuture<Integer> code = new CompletableFuture<>();
    zk.delete(path, -1, (rc, p, ctx) -> code.complete(rc), null);
    return code;
  }

  /**
   * {@link #deleteDirectly}, sent and waited for on the calling thread, for a caller that blocks for the answer
   * anyway ({@link dev.lockkit.internal.CallerWaits}): ZooKeeper's client hands the answer of a synchronous request
   * to the waiting thread itself, where that of a background request passes through its event thread first, one
   * thread switch more on every release. Bounded by the request timeout set on lockkit's own client (the command
   * timeout), after which ZooKeeper's client drops the connection and reconnects. Null where it is not sent so:
   * on an application's framework (whose request timeout is its own), with no connection, or on an interrupted
   * thread.
   *
   * @return the result code, or null if not sent
   * @throws InterruptedException if interrupted while waiting: the delete was sent, its outcome is not known
   */
  @Nullable Integer deleteOnCaller(String path) throws InterruptedException {
    ZooKeeper zk = directHandle();
    if (zk == null || Thread.currentThread().isInterrupted()) {
      return null;
    }
    try {
      zk.delete(path, -1);
      return KeeperException.Code.OK.intValue();
    } catch (KeeperException e) {
      return e.code().intValue();
    }
  }

  /** The handle a request may go on directly: lockkit's own client (paths are the server's), while connected. */
  private @Nullable ZooKeeper directHandle() {
    return borrowed == null && curator.getZookeeperClient().isConnected() ? handle.get() : null;
  }

  /** The failure an unexpected result code means, with ZooKeeper's exception as the cause. */
  LockBackendException failure(String what, CuratorEvent event) {
    return failure(what, event.getResultCode(), event.getPath());
  }

  /** The failure an unexpected result code {@code rc} of a request on {@code path} means. */
  LockBackendException failure(String what, int rc, String path) {
    KeeperException cause = KeeperException.create(KeeperException.Code.get(rc), path);
    return new LockBackendException(what + " on " + description + " failed: " + cause.getMessage(), cause);
  }

  /** The failure of a call that could not be started or did not answer. */
  LockBackendException failure(String what, Throwable cause) {
    if (cause instanceof LockBackendException e) {
      return e;
    }
    return new LockBackendException(what + " on " + description + " failed: " + cause, cause);
  }

  String describe() {
    return description;
  }

  /** The settings the connection was made with (on an application's framework: its hosts, no chroot). */
  ZkSettings settings() {
    return settings;
  }

  /**
   * Closes the session (at most the command timeout when the server does not answer) and stops every thread. On
   * an application's framework, only removes the watchers lockkit set; the framework stays open.
   */
  void close() {
    if (curator instanceof org.apache.curator.framework.WatcherRemoveCuratorFramework view && borrowed != null) {
      try {
        view.removeWatchers();
      } catch (RuntimeException e) {
        log.debug("Removing lockkit's watchers from {} failed", description, e);
      }
      return;
    }
    try {
      curator.close();
    } catch (RuntimeException e) {
      log.debug("Closing the ZooKeeper client of {} failed", settings.describe(), e);
    } finally {
      if (safeService != null) {
        safeService.shutdown();
      }
    }
  }

  /** The prefix of this connection's thread names. */
  String threadPrefix() {
    return threadPrefix;
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
