package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Failures of a real 3-server ensemble while a lease is held: the leader dies; a session expires. */
class EnsembleFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static TestingCluster cluster;
  private final List<LockClient> clients = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new TestingCluster(3);
    cluster.start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void ensembleIsWhole() {
    // a test starts on three serving servers, one of them the leader
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> cluster.getInstances().stream().filter(s -> mode(s).isPresent()).count() == 3
            && leader().isPresent());
  }

  @AfterEach
  void closeClients() {
    clients.forEach(c -> {
      try {
        c.close();
      } catch (RuntimeException e) {
        // closed by the test already, or its lease was lost
      }
    });
  }

  private LockClient client(String parameters, LockOptions options, AtomicReference<ZooKeeperBackend> backend) {
    URI uri = URI.create("zookeeper://" + cluster.getConnectString() + "/ensemble" + parameters);
    LockClient c = new ZooKeeperLockProvider().connect(uri, options, backend::set);
    clients.add(c);
    return c;
  }

  private LockClient client(String parameters) {
    return client(parameters, LockOptions.defaults(), new AtomicReference<>());
  }

  private static String name() {
    return "ensemble/" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  @Test
  void aLeaseSurvivesTheLeadersDeathWhileItsSessionLives() throws Exception {
    String name = name();
    LockClient holder = client("?sessionTimeout=20s");
    LockClient other = client("?sessionTimeout=20s");
    Lease lease = holder.lock(name).acquire(WAIT);
    CopyOnWriteArrayList<LockLostException> losses = new CopyOnWriteArrayList<>();
    lease.onLost(losses::add);
    InstanceSpec leader = leader().orElseThrow();
    assertThat(cluster.killServer(leader)).isTrue();
    try {
      // the two left elect a leader; the holder's session moves or reconnects, and stays the same session
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> leader().filter(l -> !l.equals(leader)).isPresent());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> lease.isValid() && other.lock(name).tryAcquire().map(l -> {
            l.close();
            return false;
          }).orElse(true));
      assertThat(losses).isEmpty();
      long token = lease.fencingToken();
      lease.close();
      try (Lease next = other.lock(name).acquire(WAIT)) {
        assertThat(next.fencingToken()).isGreaterThan(token);
      }
    } finally {
      cluster.restartServer(leader);
    }
  }

  @Test
  void aSessionExpiredOnTheServerLosesTheLeaseTellsTheHolderAndFreesTheLock() throws Exception {
    String name = name();
    Duration sessionTimeout = Duration.ofSeconds(6);
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    LockClient holder = client("?sessionTimeout=6s", LockOptions.defaults(), backend);
    LockClient other = client("");
    Lease lease = holder.lock(name).acquire(WAIT);
    long token = lease.fencingToken();
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    lease.onLost(heard::set);
    ZooKeeper handle = backend.get().connection().handle();
    long session = handle.getSessionId();

    long start = System.nanoTime();
    expireOnTheServer(session, handle.getSessionPasswd());
    await().atMost(sessionTimeout.plusSeconds(5)).until(() -> heard.get() != null);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(sessionTimeout.plusSeconds(5));
    assertThat(lease.isValid()).isFalse();
    assertThat(heard.get()).hasMessageContaining(name).hasMessageContaining("session");

    try (Lease next = other.lock(name).acquire(WAIT)) {
      assertThat(next.fencingToken()).isGreaterThan(token);
    }
    assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
    // the holder's client goes on with a new session
    try (Lease again = holder.lock(name).acquire(WAIT)) {
      assertThat(again.fencingToken()).isGreaterThan(token);
      assertThat(backend.get().sessionId()).isNotEqualTo(session);
    }
  }

  @Test
  void aWaiterWhoseSessionExpiresFailsAndTheHolderIsUntouched() throws Exception {
    String name = name();
    LockClient holder = client("");
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    LockClient waiter = client("?sessionTimeout=6s", LockOptions.defaults(), backend);
    try (Lease lease = holder.lock(name).acquire(WAIT)) {
      CompletableFuture<Lease> attempt = waiter.lock(name).acquireAsync(Duration.ofSeconds(120));
      ZooKeeper handle = backend.get().connection().handle();
      await().atMost(WAIT).until(() -> nodesOf(name) == 2);
      expireOnTheServer(handle.getSessionId(), handle.getSessionPasswd());
      assertThatThrownBy(() -> attempt.get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockBackendException.class);
      assertThat(nodesOf(name)).isEqualTo(1);
      assertThat(lease.isValid()).isTrue();
    }
    // the waiter's client works on with a new session
    try (Lease lease = waiter.lock(name).acquire(WAIT)) {
      assertThat(lease.isValid()).isTrue();
    }
  }

  private static int nodesOf(String name) throws Exception {
    try (CuratorFramework observer = RawClient.connect(cluster.getConnectString())) {
      return observer.getChildren().forPath("/ensemble/lockkit/" + name).size();
    }
  }

  @Test
  void withTheWholeEnsembleDownAcquireFailsWithLockBackendExceptionWithinItsTimeout() throws Exception {
    Duration commandTimeout = Duration.ofSeconds(2);
    LockClient c = client("?sessionTimeout=20s", LockOptions.builder().commandTimeout(commandTimeout).build(),
        new AtomicReference<>());
    Lease held = c.lock(name()).acquire(WAIT);
    List<InstanceSpec> all = new ArrayList<>(cluster.getInstances());
    try {
      for (InstanceSpec spec : all) {
        cluster.killServer(spec);
      }
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.lock(name()).acquire(Duration.ofSeconds(60)))
          .isInstanceOf(LockBackendException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(commandTimeout.plusSeconds(5));
      assertThat(held.isValid()).isFalse();
    } finally {
      for (InstanceSpec spec : all) {
        cluster.restartServer(spec);
      }
    }
    // the ensemble is back within the session timeout: the same session, and the lease, live on
    await().atMost(Duration.ofSeconds(60)).until(held::isValid);
    held.close();
  }

  /**
   * Expires a session the way the server does it: a second handle with the same id and password takes the
   * session over and closes it, so the server deletes its ephemeral nodes and the first handle, when it
   * reconnects, is told the session expired. (Curator's KillSession only injects the expiry client-side.)
   */
  private static void expireOnTheServer(long sessionId, byte[] password) throws Exception {
    try (CuratorFramework observer = RawClient.connect(cluster.getConnectString())) {
      CountDownLatch connected = new CountDownLatch(1);
      ZooKeeper twin = new ZooKeeper(cluster.getConnectString(), 6000, event -> {
        if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
          connected.countDown();
        }
      }, sessionId, password);
      try {
        assertThat(connected.await(30, TimeUnit.SECONDS)).as("twin handle connected").isTrue();
        assertThat(twin.getSessionId()).isEqualTo(sessionId);
      } finally {
        twin.close();
      }
      // the session is gone on the server once none of its ephemeral nodes is left
      await().atMost(WAIT).until(() -> observer.getZookeeperClient().getZooKeeper()
          .getEphemerals("/ensemble").stream().noneMatch(p -> ownedBy(observer, p, sessionId)));
    }
  }

  private static boolean ownedBy(CuratorFramework observer, String path, long sessionId) {
    try {
      org.apache.zookeeper.data.Stat stat = observer.checkExists().forPath(path);
      return stat != null && stat.getEphemeralOwner() == sessionId;
    } catch (Exception e) {
      return false;
    }
  }

  private static Optional<InstanceSpec> leader() {
    return cluster.getInstances().stream().filter(s -> mode(s).filter("leader"::equals).isPresent()).findFirst();
  }

  /** The server's mode from the {@code srvr} four-letter word, empty if it does not serve. */
  private static Optional<String> mode(InstanceSpec spec) {
    try {
      String answer = FourLetterWordMain.send4LetterWord("127.0.0.1", spec.getPort(), "srvr", false, 2000);
      return answer.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).trim()).findFirst();
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
