package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZKDatabase;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lock's node whose child counter is used up: ZooKeeper keeps it at 2147483647 instead of wrapping, so new
 * nodes get that number again and the queue has no order left. Acquisitions must fail with a clear exception
 * instead of ordering it (a second holder); the lock works again once its node is gone. The counter is set on
 * a real server, in process, as 2^31 creates would leave it.
 */
class SequenceExhaustionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;
  private ZooKeeperServer server;
  private ServerCnxnFactory connections;

  @BeforeEach
  void startServer() throws Exception {
    server = new ZooKeeperServer(dir.resolve("snapshots").toFile(), dir.resolve("log").toFile(), 500);
    connections = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", 0), 100);
    connections.startup(server);
  }

  @AfterEach
  void stopServer() {
    connections.shutdown();
    server.shutdown();
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aLockWhoseCounterIsUsedUpRefusesAcquisitionsAndWorksAgainOnceItsNodeIsGone() throws Exception {
    String uri = "zookeeper://127.0.0.1:" + connections.getLocalPort();
    String name = "jobs/nightly";
    LockOptions options = LockOptions.defaults();
    String lockPath = LockNodes.lockPath("", options.namespace(), name);
    try (LockClient a = Locks.connect(uri, options); LockClient b = Locks.connect(uri, options);
        LockClient c = Locks.connect(uri, options)) {
      Lease first = a.lock(name).acquire(WAIT);
      ZKDatabase db = server.getZKDatabase();
      db.getDataTree().setCversionPzxid(lockPath, Integer.MAX_VALUE - 1, db.getDataTreeLastProcessedZxid());

      CompletableFuture<Lease> second = b.lock(name).acquireAsync(WAIT); // numbered 2147483646: still in order
      await().atMost(WAIT).until(() -> server.getZKDatabase().getDataTree().getNode(lockPath).stat.getCversion()
          == Integer.MAX_VALUE);
      assertThat(second).isNotDone();
      // numbered 2147483647, and so is every create after it: no order to trust
      assertThatThrownBy(() -> c.lock(name).acquire(WAIT)).isInstanceOf(LockBackendException.class)
          .hasMessageContaining("2147483647").hasMessageContaining(lockPath);

      first.close();
      try (Lease next = second.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        assertThat(next.isValid()).isTrue();
        assertThatThrownBy(() -> c.lock(name).tryAcquire()).as("still refused while a node is left")
            .isInstanceOf(LockBackendException.class);
      }
      // the first refusal with no other node left deletes the lock's node; the next create makes it anew
      await().atMost(WAIT).ignoreException(LockBackendException.class).until(() -> {
        Optional<Lease> lease = c.lock(name).tryAcquire();
        lease.ifPresent(Lease::close);
        return lease.isPresent();
      });
      assertThat(server.getZKDatabase().getDataTree().getNode(lockPath).stat.getCversion())
          .as("counting from 0 again").isLessThan(10);
    }
  }
}
