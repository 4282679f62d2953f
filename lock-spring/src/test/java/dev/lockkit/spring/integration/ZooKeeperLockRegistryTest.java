package dev.lockkit.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The registry's contract on lockkit over a real ZooKeeper server (curator-test, in process). */
class ZooKeeperLockRegistryTest extends LockRegistryContract {
  private static final String CHROOT = "/spring-registry";
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

  @Override
  LockClient connect(LockOptions options) {
    return Locks.connect("zookeeper://" + server.getConnectString() + CHROOT, options);
  }

  /** Deletes the lock's nodes, {@code <chroot>/<namespace>/<name>/*}. */
  @Override
  void deleteOnServer(String name) throws Exception {
    String path = CHROOT + "/" + NAMESPACE + "/" + name;
    try (CuratorFramework curator = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
      curator.start();
      List<String> nodes = curator.getChildren().forPath(path);
      assertThat(nodes).as("the lock's nodes").isNotEmpty();
      for (String node : nodes) {
        curator.delete().forPath(path + "/" + node);
      }
    }
  }
}
