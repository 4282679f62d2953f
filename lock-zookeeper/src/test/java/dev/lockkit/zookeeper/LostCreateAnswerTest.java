package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.faults.TcpProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A create that reached the server but whose answer never came back: the connection drops with the answer
 * unsent and stays down for a while, within the session. The node it made must not stay behind and block the
 * lock for the rest of the session, whichever gives up first: Curator (its retries used up; protected mode then
 * finds the node by its id and deletes it once connected again) or the acquisition (its bound; the answer
 * Curator's retry gets after reconnecting, the node found by its protection id, is then deleted by lockkit).
 */
class LostCreateAnswerTest {
  /** Long enough to see the create reach the server and cut the connection before its answer is forwarded. */
  private static final Duration LATENCY = Duration.ofSeconds(2);
  private static final Duration OUTAGE = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String NAME = "orphan";
  private static final String LOCK_PATH = "/lost/lockkit/" + NAME;

  private TestingServer server;
  private TcpProxy proxy;
  private LockClient client;
  private LockClient other;
  private CuratorFramework observer;
  private final AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    proxy = TcpProxy.start(server.getPort());
    other = ZkFixtures.connect(server.getConnectString(), "/lost", LockOptions.defaults());
    observer = RawClient.connect(server.getConnectString());
    observer.create().creatingParentsIfNeeded().forPath(LOCK_PATH); // not a container: never reaped
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {client, other, observer, proxy, server}) {
      if (c != null) {
        try {
          c.close();
        } catch (RuntimeException e) {
          // the test may have left a lease it cannot release
        }
      }
    }
  }

  private void connect(String query, Duration commandTimeout) {
    URI uri = URI.create("zookeeper://127.0.0.1:" + proxy.port() + "/lost?sessionTimeout=20s&" + query);
    client = new ZooKeeperLockProvider().connect(uri, LockOptions.builder().commandTimeout(commandTimeout).build(),
        backend::set);
  }

  @Test
  void aCreateWhoseAnswerIsLostPastCuratorsRetriesLeavesNoNode() throws Exception {
    connect("maxRetries=0&connectionTimeout=1s", Duration.ofSeconds(10));
    CompletableFuture<Lease> attempt = createThenCut();
    // Curator gives up at once (no retries), before the acquisition's bound
    assertThatThrownBy(() -> attempt.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockBackendException.class)
        .hasMessageContaining("creating a node");
    reconnectAfterOutageAndExpectNoNodeLeft();
  }

  @Test
  void aCreateAnsweredOnlyAfterTheAcquisitionGaveUpLeavesNoNode() throws Exception {
    connect("maxRetries=3&connectionTimeout=15s", Duration.ofSeconds(1));
    CompletableFuture<Lease> attempt = createThenCut();
    // the bound ends the acquisition while Curator still waits to retry the create
    assertThatThrownBy(() -> attempt.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockBackendException.class)
        .hasMessageContaining("no answer");
    reconnectAfterOutageAndExpectNoNodeLeft();
  }

  /** Starts an acquisition and drops the connection once its create has reached the server, before the answer. */
  private CompletableFuture<Lease> createThenCut() throws Exception {
    proxy.delay(LATENCY);
    CompletableFuture<Lease> attempt = client.lock(NAME).acquireAsync(WAIT);
    // the create has reached the server: its answer is on its way back through the proxy, held for LATENCY
    await().atMost(LATENCY.plus(WAIT)).pollInterval(Duration.ofMillis(5))
        .until(() -> !observer.getChildren().forPath(LOCK_PATH).isEmpty());
    proxy.blackhole();
    proxy.resetAll(); // the connection drops with the answer unsent; reconnecting hangs while the proxy is dark
    assertThat(observer.getChildren().forPath(LOCK_PATH)).as("the node the lost create made").hasSize(1);
    return attempt;
  }

  private void reconnectAfterOutageAndExpectNoNodeLeft() throws Exception {
    long session = backend.get().sessionId();
    Thread.sleep(OUTAGE.toMillis()); // the fault: the connection stays down for a while, within the session
    proxy.pass();
    await().atMost(WAIT).until(() -> backend.get().curator().getZookeeperClient().isConnected());
    assertThat(backend.get().sessionId()).as("the same session").isEqualTo(session);
    await().atMost(WAIT).untilAsserted(() -> assertThat(nodesOfSession(session)).isEmpty());
    Optional<Lease> taken = other.lock(NAME).tryAcquire();
    assertThat(taken).as("the lock is free for another client").isPresent();
    taken.get().close();
  }

  private List<String> nodesOfSession(long session) throws Exception {
    return observer.getChildren().forPath(LOCK_PATH).stream().filter(child -> {
      try {
        Stat stat = observer.checkExists().forPath(LOCK_PATH + "/" + child);
        return stat != null && stat.getEphemeralOwner() == session;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }
}
