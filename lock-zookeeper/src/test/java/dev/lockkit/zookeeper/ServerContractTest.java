package dev.lockkit.zookeeper;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.contract.LockContractTest;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The whole contract suite, unchanged, on one ZooKeeper server. */
class ServerContractTest extends LockContractTest {
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
  protected LockClient newClient(LockOptions options) {
    return ZkFixtures.connect(server.getConnectString(), "/contract-server", options);
  }

  @Override
  protected boolean isServerThread(Thread thread) {
    return ZkFixtures.isServerThread(thread);
  }
}
