package dev.lockkit.zookeeper;

import dev.lockkit.LockBackendException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
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
import org.jspecify.annotations.Nullable;

/**
 * One Curator client and the ZooKeeper handle under it: building it from the URI's settings, connecting
 * within a bound, the current session's id, and background calls as futures.
 */
final class ZkConnection {
  /** Starts one background call: the builder chain up to {@code inBackground(callback).forPath(...)}. */
  @FunctionalInterface
  interface Call {
    void start(BackgroundCallback callback) throws Exception;
  }

  private final ZkSettings settings;
  private final CuratorFramework curator;
  /** The handle Curator made last; a new one after every session expiry. */
  private final AtomicReference<@Nullable ZooKeeper> handle = new AtomicReference<>();

  ZkConnection(ZkSettings settings, String threadPrefix, Executor safeService) {
    this.settings = settings;
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

  private ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean readOnly)
      throws Exception {
    ZooKeeper zk = new ZooKeeper(connectString, sessionTimeout, watcher, readOnly);
    handle.set(zk);
    return zk;
  }

  /**
   * Starts the client and blocks until it is connected, at most {@code timeout}; else closes it.
   *
   * @throws LockBackendException if no server answered in time, or the wait was interrupted
   */
  void connect(Duration timeout) {
    boolean connected;
    try {
      curator.start();
      connected = curator.blockUntilConnected(millis(timeout), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      curator.close();
      throw new LockBackendException("interrupted while connecting to " + settings.describe(), e);
    } catch (RuntimeException e) {
      curator.close();
      throw new LockBackendException("could not connect to " + settings.describe() + ": " + e, e);
    }
    if (!connected) {
      curator.close();
      throw new LockBackendException("could not connect to " + settings.describe() + " within " + timeout, null);
    }
  }

  CuratorFramework curator() {
    return curator;
  }

  /** The id of the current session, 0 while there is none. */
  long sessionId() {
    ZooKeeper zk = handle.get();
    return zk == null ? 0 : zk.getSessionId();
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

  /** The failure an unexpected result code means, with ZooKeeper's exception as the cause. */
  LockBackendException failure(String what, CuratorEvent event) {
    KeeperException cause = KeeperException.create(KeeperException.Code.get(event.getResultCode()), event.getPath());
    return new LockBackendException(what + " on " + settings.describe() + " failed: " + cause.getMessage(), cause);
  }

  /** The failure of a call that could not be started or did not answer. */
  LockBackendException failure(String what, Throwable cause) {
    if (cause instanceof LockBackendException e) {
      return e;
    }
    return new LockBackendException(what + " on " + settings.describe() + " failed: " + cause, cause);
  }

  String describe() {
    return settings.describe();
  }

  void close() {
    curator.close();
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
