package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** No server answers: every call ends within its bound with LockBackendException; a short outage is survived. */
class OutageTest {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
  /** A bounded call may end this much after its bound on a loaded 2-core machine. */
  private static final Duration GRACE = Duration.ofSeconds(5);
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(COMMAND_TIMEOUT).build();

  private static TestingServer server;
  private static boolean stopped;
  private LockClient client;

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void closeServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void connect() throws Exception {
    if (stopped) {
      restartServer(); // a test stopped it
    }
    client = Locks.connect("zookeeper://" + server.getConnectString() + "/outage?sessionTimeout=20s", OPTIONS);
  }

  @AfterEach
  void disconnect() {
    try {
      client.close();
    } catch (RuntimeException e) {
      // the test may have left it with leases it cannot release
    }
  }

  private static void stopServer() throws Exception {
    stopped = true;
    server.stop();
  }

  private static void restartServer() throws Exception {
    server.restart();
    stopped = false;
  }

  @Test
  void withEveryServerDownAcquireFailsWithLockBackendExceptionWithinItsTimeout() throws Exception {
    stopServer();
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.lock("outage/a").acquire(Duration.ofSeconds(60)))
        .isInstanceOf(LockBackendException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(COMMAND_TIMEOUT.plus(GRACE));

    start = System.nanoTime();
    assertThatThrownBy(() -> client.lock("outage/b").tryAcquire()).isInstanceOf(LockBackendException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(COMMAND_TIMEOUT.plus(GRACE));
  }

  @Test
  void connectingWhenNoServerAnswersFailsWithinTheCommandTimeout() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    long start = System.nanoTime();
    assertThatThrownBy(() -> Locks.connect("zookeeper://127.0.0.1:" + port, OPTIONS))
        .isInstanceOf(LockBackendException.class).hasMessageContaining("127.0.0.1:" + port);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(COMMAND_TIMEOUT.plus(GRACE));
  }

  @Test
  void aReleaseThatMeetsAnOutageIsFinishedInTheBackgroundOnceTheServerIsBack() throws Exception {
    Lease lease = client.lock("outage/release").acquire(Duration.ofSeconds(20));
    stopServer();
    long start = System.nanoTime();
    assertThatThrownBy(lease::close).isInstanceOf(LockBackendException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(COMMAND_TIMEOUT.plus(GRACE));
    assertThat(lease.isValid()).isFalse();
    lease.close(); // released as far as the holder is concerned: a second close is a no-op
    restartServer();
    // the same session comes back (sessions outlive a restart), so only the guaranteed delete can free it
    // before the 20 s session timeout
    try (LockClient other = Locks.connect("zookeeper://" + server.getConnectString() + "/outage", OPTIONS)) {
      await().atMost(Duration.ofSeconds(15)).until(() -> other.lock("outage/release").tryAcquire().map(l -> {
        l.close();
        return true;
      }).orElse(false));
    }
  }

  @Test
  void aLeaseIsInvalidWhileSuspendedAndValidAgainWhenTheSameSessionReconnects() throws Exception {
    Lease lease = client.lock("outage/held").acquire(Duration.ofSeconds(20));
    CopyOnWriteArrayList<LockLostException> losses = new CopyOnWriteArrayList<>();
    lease.onLost(losses::add);
    stopServer();
    await().atMost(Duration.ofSeconds(20)).until(() -> !lease.isValid());
    restartServer();
    await().atMost(Duration.ofSeconds(30)).until(lease::isValid);
    assertThat(losses).isEmpty();
    lease.close();
    try (LockClient other = Locks.connect("zookeeper://" + server.getConnectString() + "/outage", OPTIONS)) {
      assertThat(other.lock("outage/held").tryAcquire()).hasValueSatisfying(Lease::close);
    }
  }
}
