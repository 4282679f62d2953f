package dev.lockkit.zookeeper;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.spi.LockClients;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The whole contract suite, unchanged, with each lock client on a CuratorFramework of the application's, as a
 * process would have one: each with its own session, so that a crashed holder (its process gone, framework and
 * all) frees its locks when its session ends. The frameworks are closed after each test, never by lockkit.
 */
class ExistingCuratorContractTest extends LockContractTest {
  /** Prefix of the application's Curator and ZooKeeper threads, which lockkit neither starts nor stops. */
  private static final String APP_THREADS = "app-curator";

  private static TestingServer server;
  private final Map<LockClient, CuratorFramework> frameworks = new ConcurrentHashMap<>();

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeFrameworks() {
    frameworks.values().forEach(CuratorFramework::close);
    frameworks.clear();
  }

  @Override
  protected LockClient newClient(LockOptions options) {
    CuratorFramework framework = startFramework(server.getConnectString(), "contract-existing");
    LockClient client = ZooKeeperLocks.onCurator(framework, options);
    frameworks.put(client, framework);
    return client;
  }

  /** A process that crashes takes its framework with it: the session ends and the server drops its nodes. */
  @Override
  protected void crash(LockClient client) {
    LockClients.crash(client);
    CuratorFramework framework = frameworks.remove(client);
    if (framework != null) {
      framework.close();
    }
  }

  @Override
  protected boolean isServerThread(Thread thread) {
    return ZkFixtures.isServerThread(thread) || thread.getName().startsWith(APP_THREADS);
  }

  /**
   * A started and connected framework whose threads are named as the application's: ZooKeeper names its client
   * threads after the thread that makes the handle, so the framework is started on one of those. Connected, as an
   * application's framework would be by the time it makes lock clients: some tests give lockkit a command timeout
   * of 100 ms, too short for a first session on a loaded machine.
   */
  static CuratorFramework startFramework(String connectString, String namespace) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, APP_THREADS + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    CuratorFramework framework = CuratorFrameworkFactory.builder().connectString(connectString)
        .retryPolicy(new RetryOneTime(100)).namespace(namespace).threadFactory(threads).build();
    Thread starter = threads.newThread(framework::start);
    starter.start();
    try {
      starter.join();
      if (!framework.blockUntilConnected(30, java.util.concurrent.TimeUnit.SECONDS)) {
        framework.close();
        throw new IllegalStateException("no session with " + connectString + " within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return framework;
  }

  /**
   * Cohorting on only: cohorting is client-side, so the off run adds nothing here that the URI-built client's
   * run of the same driver does not already show, and the build's time stays in bounds.
   */
  protected static List<Arguments> cohortingModes() {
    return List.of(Arguments.argumentSet("cohorting on", true));
  }
}
