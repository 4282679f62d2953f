package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lock clients on the application's own CuratorFramework: the framework stays open and usable when they close,
 * without lockkit's listener, and serves the next lock client; a namespace is kept; bad input is refused. The
 * whole contract runs on such frameworks in {@link ExistingCuratorContractTest}.
 */
class ExistingCuratorTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(10);
  private static TestingServer server;

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

  private static LockOptions options() {
    return LockOptions.builder().leaseTime(Duration.ofSeconds(10)).commandTimeout(Duration.ofSeconds(2)).build();
  }

  private static CuratorFramework started(String connectString) throws InterruptedException {
    CuratorFramework framework = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100));
    framework.start();
    return framework;
  }

  private static int listeners(CuratorFramework framework) {
    return ((StandardListenerManager<?>) framework.getConnectionStateListenable()).size();
  }

  private static void exerciseTwoClients(CuratorFramework framework) throws Exception {
    try (LockClient a = ZooKeeperLocks.onCurator(framework, options());
        LockClient b = ZooKeeperLocks.onCurator(framework, options())) {
      Lease held = a.lock("orders/1").acquire(PROMPTLY);
      assertThat(b.lock("orders/1").tryAcquire()).isEmpty();
      CompletableFuture<Lease> waiting = b.lock("orders/1").acquireAsync(Duration.ofSeconds(30));
      held.close();
      try (Lease next = waiting.get(20, TimeUnit.SECONDS)) {
        assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
      }
    }
  }

  @Test
  void theFrameworkStaysOpenWithoutLockkitsListenerAndServesTheNextLockClient() throws Exception {
    try (CuratorFramework framework = started(server.getConnectString())) {
      assertThat(framework.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
      int before = listeners(framework);
      exerciseTwoClients(framework);
      assertThat(listeners(framework)).isEqualTo(before);
      assertThat(framework.getZookeeperClient().isConnected()).isTrue();
      assertThat(framework.create().forPath("/existing-check")).isEqualTo("/existing-check");
      exerciseTwoClients(framework);
      assertThat(listeners(framework)).isEqualTo(before);
    }
  }

  @Test
  void aNamespacedFrameworkKeepsLockNodesUnderItsNamespace() throws Exception {
    try (CuratorFramework framework = started(server.getConnectString())) {
      CuratorFramework app = framework.usingNamespace("app");
      try (LockClient locks = ZooKeeperLocks.onCurator(app, options());
          Lease lease = locks.lock("jobs/a").acquire(PROMPTLY)) {
        assertThat(lease.isValid()).isTrue();
        assertThat(framework.getChildren().forPath("/app/" + locks.options().namespace() + "/jobs/a")).hasSize(1);
      }
      assertThat(framework.getChildren().forPath("/app/lockkit/jobs/a")).isEmpty();
    }
  }

  @Test
  void anUnstartedOrClosedFrameworkIsRefused() throws Exception {
    CuratorFramework latent = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
    assertThatThrownBy(() -> ZooKeeperLocks.onCurator(latent, options()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("started").hasMessageContaining("LATENT");
    latent.start();
    latent.close();
    assertThatThrownBy(() -> ZooKeeperLocks.onCurator(latent, options()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STOPPED");
  }

  @Test
  void nullArgumentsAndTheReservedNamespaceAreRefused() throws Exception {
    try (CuratorFramework framework = started(server.getConnectString())) {
      assertThatThrownBy(() -> ZooKeeperLocks.onCurator(null, options()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("framework");
      assertThatThrownBy(() -> ZooKeeperLocks.onCurator(framework, null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("options");
      assertThatThrownBy(() -> ZooKeeperLocks.onCurator(framework, LockOptions.builder().namespace("zookeeper")
          .build())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zookeeper");
    }
  }

  @Test
  void aFrameworkWithoutASessionFailsWithinTheCommandTimeout() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (CuratorFramework framework = started("127.0.0.1:" + port)) {
      LockOptions quick = LockOptions.builder().commandTimeout(Duration.ofSeconds(1)).build();
      long start = System.nanoTime();
      assertThatThrownBy(() -> ZooKeeperLocks.onCurator(framework, quick))
          .isInstanceOf(LockBackendException.class).hasMessageContaining("PT1S");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }
  }
}
