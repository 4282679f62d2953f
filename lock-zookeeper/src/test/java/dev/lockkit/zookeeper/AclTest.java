package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Digest credentials in the URI: only that identity may delete (or create) lockkit's nodes. */
class AclTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestingServer server;
  private final List<LockClient> clients = new ArrayList<>();

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
  void closeClients() {
    clients.forEach(c -> {
      try {
        c.close();
      } catch (RuntimeException e) {
        // closed by the test already
      }
    });
  }

  private LockClient client(String credentials) {
    LockClient c = Locks.connect("zookeeper://" + credentials + "@" + server.getConnectString() + "/acl",
        LockOptions.defaults());
    clients.add(c);
    return c;
  }

  @Test
  void anotherIdentityCannotDeleteTheHoldersNode() throws Exception {
    String name = "acl/" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    String parent = "/acl/lockkit/" + name;
    try (Lease lease = client("locker:s3cret").lock(name).acquire(WAIT);
        CuratorFramework intruder = RawClient.connect(server.getConnectString(), "intruder:guess");
        CuratorFramework anonymous = RawClient.connect(server.getConnectString())) {
      List<String> nodes = anonymous.getChildren().forPath(parent); // reading stays open
      assertThat(nodes).hasSize(1);
      String node = parent + "/" + nodes.get(0);

      assertThatThrownBy(() -> intruder.delete().forPath(node)).isInstanceOf(KeeperException.NoAuthException.class);
      assertThatThrownBy(() -> anonymous.delete().forPath(node)).isInstanceOf(KeeperException.NoAuthException.class);
      assertThatThrownBy(() -> intruder.create().forPath(parent + "/lock-0000000000"))
          .isInstanceOf(KeeperException.NoAuthException.class);
      assertThatThrownBy(() -> intruder.setData().forPath(node, new byte[0]))
          .isInstanceOf(KeeperException.NoAuthException.class);

      assertThat(anonymous.checkExists().forPath(node)).isNotNull();
      assertThat(lease.isValid()).isTrue();
    }
  }

  @Test
  void clientsOfTheSameIdentityContendAsUsual() throws Exception {
    String name = "acl/" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    LockClient a = client("locker:s3cret");
    LockClient b = client("locker:s3cret");
    long first;
    try (Lease lease = a.lock(name).acquire(WAIT)) {
      first = lease.fencingToken();
      assertThat(b.lock(name).tryAcquire()).isEmpty();
    }
    try (Lease lease = b.lock(name).acquire(WAIT)) {
      assertThat(lease.fencingToken()).isGreaterThan(first);
    }
  }
}
