package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Re-acquiring a lock this client has just released: the create alone decides when the server numbers it
 * right after the released node ({@link QuietParents}), and never when the parent was created again between.
 */
class QuickReacquireTest {
  private static final Map<String, String> SERVER_PROPERTIES = Map.of(
      "zookeeper.4lw.commands.whitelist", "srvr",
      // no reaping of empty parents while requests are counted (the module's servers reap every 200 ms)
      "znode.container.checkIntervalMs", "3600000");
  private static TestingServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZkFixtures.startServer(SERVER_PROPERTIES);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aLockTakenAgainAndAgainAloneCostsItsCreateAndItsDelete() throws Exception {
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    try (LockClient client = connect(backend)) {
      DistributedLock lock = client.lock("alone");
      takeAndRelease(lock, 3); // the second release sets the parent's watch
      int cycles = 100;
      long quickBefore = backend.get().quietParents().quickWins();
      long before = requestsReceived();
      List<Long> tokens = takeAndRelease(lock, cycles);
      long requests = requestsReceived() - before;
      // 2 per cycle; without the quick path 3 (create, children, delete); room for pings and other sessions
      assertThat(requests).isBetween(2L * cycles, 5L * cycles / 2);
      assertThat(backend.get().quietParents().quickWins() - quickBefore).isEqualTo(cycles);
      assertThat(tokens).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  void aParentDeletedAndCreatedAgainIsReadAsAnyOther() throws Exception {
    String parent = "/quick/lockkit/recreated";
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    try (LockClient client = connect(backend);
        CuratorFramework raw = RawClient.connect(server.getConnectString())) {
      DistributedLock lock = client.lock("recreated");
      takeAndRelease(lock, 2);
      long sequence;
      long quickBefore = backend.get().quietParents().quickWins();
      try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
        assertThat(backend.get().quietParents().quickWins()).as("won with the create alone").isEqualTo(quickBefore + 1);
        List<String> children = raw.getChildren().forPath(parent);
        assertThat(children).hasSize(1);
        sequence = LockNodes.sequence(children.get(0));
      }
      // The parent goes and comes back; another client's nodes take its numbers up to just below the one our
      // next create would get from the old parent. Its first node holds the lock.
      raw.delete().forPath(parent);
      raw.create().forPath(parent);
      List<String> others = new ArrayList<>();
      for (long i = 0; i <= sequence; i++) {
        others.add(raw.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(parent + "/lock-"));
      }
      assertThat(LockNodes.sequence(LockNodes.nodeName(others.get(others.size() - 1)))).isEqualTo(sequence);

      Optional<Lease> taken = lock.tryAcquire();
      taken.ifPresent(Lease::close);
      assertThat(taken).as("acquired while another client's node was first in the queue").isEmpty();

      for (String other : others) {
        raw.delete().forPath(other);
      }
      try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
        assertThat(lease.isValid()).isTrue();
      }
    }
  }

  private static LockClient connect(AtomicReference<ZooKeeperBackend> backend) {
    URI uri = URI.create("zookeeper://" + server.getConnectString() + "/quick");
    return new ZooKeeperLockProvider().connect(uri, LockOptions.defaults(), backend::set);
  }

  private static List<Long> takeAndRelease(DistributedLock lock, int times) throws InterruptedException {
    List<Long> tokens = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      try (Lease lease = lock.acquire(Duration.ofSeconds(10))) {
        tokens.add(lease.fencingToken());
      }
    }
    return tokens;
  }

  /** The server's count of requests received, from its {@code srvr} command. */
  private static long requestsReceived() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      for (String line : answer.split("\n")) {
        if (line.startsWith("Received:")) {
          return Long.parseLong(line.substring("Received:".length()).trim());
        }
      }
      throw new IllegalStateException("no 'Received:' line in the server's answer to srvr: " + answer);
    }
  }
}
