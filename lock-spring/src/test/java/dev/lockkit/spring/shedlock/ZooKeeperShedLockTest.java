package dev.lockkit.spring.shedlock;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ShedLock's provider contract on lockkit over a real ZooKeeper server (curator-test, in process), whose 100 ms
 * tick lets a client ask for a 1 s session.
 */
class ZooKeeperShedLockTest extends ShedLockContract {
  private static final String CHROOT = "/spring-shedlock";
  private static TestingServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(
        new InstanceSpec(null, -1, -1, -1, true, -1, 100, -1, Map.of("maxSessionTimeout", "30000")), true);
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

  @Override
  int serverPort() {
    return server.getPort();
  }

  /**
   * On ZooKeeper a holder's node lives as long as its session: a 1 s session, which the server ends a second after
   * it last heard from the client, and to which the lease time is capped.
   */
  @Override
  LockClient connectCutOffQuickly(int port, LockOptions options) {
    return Locks.connect("zookeeper://127.0.0.1:" + port + CHROOT + "?sessionTimeout=1s", options);
  }
}
