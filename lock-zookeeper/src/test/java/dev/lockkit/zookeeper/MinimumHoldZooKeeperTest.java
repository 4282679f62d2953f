package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LeaseEvents;
import dev.lockkit.spi.LockClients;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * A minimum hold on ZooKeeper ({@link BackendLease#releaseKeeping}): the holder's node is replaced by a keeper
 * node that holds the lock on the server until the keep has passed, whatever becomes of the holder's client,
 * and the next contender takes the lock once it has, deleting the keeper. At the backend level: a lease, its
 * {@code releaseKeeping}, and what other clients' acquisitions see.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MinimumHoldZooKeeperTest {
  private static final Duration KEEP = Duration.ofMillis(1500);
  /** How much later than the keep's end an acquisition may win, on two loaded cores. */
  private static final Duration LATE = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String CHROOT = "/hold";
  private static final String TTL_PROPERTY = "zookeeper.extendedTypesEnabled";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final LeaseEvents NO_EVENTS = new LeaseEvents() {
    @Override
    public void seenHeld() {}

    @Override
    public void suspended() {}

    @Override
    public void resumed() {}

    @Override
    public void lost(String reason, @Nullable Throwable cause) {}
  };

  private static TestingServer server;
  private static CuratorFramework raw;
  private final List<LockClient> clients = new ArrayList<>();
  private String name;

  private record Client(LockClient client, ZooKeeperBackend backend) {}

  @BeforeAll
  static void start() throws Exception {
    server = new TestingServer(true);
    raw = RawClient.connect(server.getConnectString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (raw != null) {
      raw.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(LockClient::close);
  }

  @BeforeEach
  void name(TestInfo test) {
    name = "hold/" + test.getTestMethod().orElseThrow().getName();
  }

  @Test
  void aKeptLockStaysHeldUntilItsKeepEndsAndCloseReturnsAtOnce() throws Exception {
    Client a = connect(server);
    Client b = connect(server);
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);

    long sent = System.nanoTime();
    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("releaseKeeping's answer").isLessThan(KEEP.dividedBy(2));
    assertThat(children(raw)).containsExactly(LockNodes.keeperName(lease.fencingToken()));
    assertThat(lease.renew(Duration.ofSeconds(30)).get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(lease.confirm(Duration.ofSeconds(30)).get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(lease.release().get(10, TimeUnit.SECONDS)).isFalse();

    assertThat(attempt(b, false).get(10, TimeUnit.SECONDS)).as("tryAcquire while kept").isNull();
    // a miss leaves nothing behind but the keeper
    await().atMost(WAIT).until(() -> children(raw).equals(List.of(LockNodes.keeperName(lease.fencingToken()))));

    BackendLease next = takeWhenFree(b, sent);
    assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    await().atMost(WAIT).until(() -> keepers(raw).isEmpty());
    assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWaiterQueuedBeforeTheKeepWinsSoonAfterItsEnd() throws Exception {
    Client a = connect(server);
    Client b = connect(server);
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
    CompletableFuture<BackendLease> waiting = attempt(b, true);
    await().atMost(WAIT).until(() -> children(raw).size() == 2);

    long sent = System.nanoTime();
    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    BackendLease next = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertWonAfterTheEnd(sent, System.nanoTime());
    assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aLeaseWhoseNodeIsGoneKeepsNothing() throws Exception {
    Client a = connect(server);
    Client b = connect(server);
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
    List<String> nodes = children(raw);
    assertThat(nodes).hasSize(1);
    raw.delete().forPath(lockPath() + "/" + nodes.get(0));

    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(keepers(raw)).isEmpty();
    BackendLease next = attempt(b, false).get(10, TimeUnit.SECONDS);
    assertThat(next).as("tryAcquire right after a keep that kept nothing").isNotNull();
    assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * The holder's process dies right after its close: the server's keeper holds the lock until the end, then a
   * waiter (queued before) wins by its own timer, and deletes the keeper, which no one else would delete here
   * (no TTL nodes on this server, no holder left to delete it).
   */
  @Test
  void theLockStaysKeptAfterItsHolderCrashesAndTheNextContenderDeletesTheKeeper() throws Exception {
    Client a = connect(server);
    Client b = connect(server);
    Client c = connect(server);
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
    CompletableFuture<BackendLease> waiting = attempt(b, true);
    await().atMost(WAIT).until(() -> children(raw).size() == 2);

    long sent = System.nanoTime();
    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    LockClients.crash(a.client());
    assertThat(attempt(c, false).get(10, TimeUnit.SECONDS)).as("tryAcquire after the holder crashed").isNull();
    assertThat(keepers(raw)).containsExactly(LockNodes.keeperName(lease.fencingToken()));

    BackendLease next = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertWonAfterTheEnd(sent, System.nanoTime());
    assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    await().atMost(WAIT).until(() -> keepers(raw).isEmpty());
    assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theLockStaysKeptAfterItsHoldersSessionExpires() throws Exception {
    Client a = connect(server);
    Client b = connect(server);
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
    ZooKeeper handle = Objects.requireNonNull(a.backend().connection().handle());

    long sent = System.nanoTime();
    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    expireOnTheServer(handle.getSessionId(), handle.getSessionPasswd());
    assertThat(attempt(b, false).get(10, TimeUnit.SECONDS)).as("tryAcquire after the session expired").isNull();

    BackendLease next = takeWhenFree(b, sent);
    assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * The client that kept the lock cannot take it again before the end either, also where it would win with
   * the create alone ({@link QuietParents}): the keeper's create moves the parent's numbering on.
   */
  @Test
  void theClientThatKeptTheLockWaitsForTheEndToo() throws Exception {
    Client a = connect(server);
    for (int i = 0; i < 3; i++) { // the second release arms the quick path
      assertThat(attempt(a, false).get(10, TimeUnit.SECONDS).release().get(10, TimeUnit.SECONDS)).isTrue();
    }
    // The server reaps the empty parent every 200 ms here: one reaped between a release and the next create
    // disarms the quick path (rightly: the numbering restarts), and the release after re-arms it
    @Nullable BackendLease lease = null;
    for (int i = 0; i < 5 && lease == null; i++) {
      long quick = a.backend().quietParents().quickWins();
      BackendLease taken = attempt(a, false).get(10, TimeUnit.SECONDS);
      if (a.backend().quietParents().quickWins() == quick + 1) {
        lease = taken;
      } else {
        assertThat(taken.release().get(10, TimeUnit.SECONDS)).isTrue();
      }
    }
    assertThat(lease).as("a lease won with the create alone, in five tries").isNotNull();

    long sent = System.nanoTime();
    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(attempt(a, false).get(10, TimeUnit.SECONDS)).as("tryAcquire by the client that kept it").isNull();
    BackendLease next = takeWhenFree(a, sent);
    assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
    assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Without TTL nodes the keeper is a plain persistent node, and the backend stops asking for TTL nodes. */
  @Test
  void onAServerWithoutTtlNodesTheKeeperIsPersistent() throws Exception {
    Client a = connect(server);
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
    long sent = System.nanoTime();
    assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    Stat stat = raw.checkExists().forPath(lockPath() + "/" + LockNodes.keeperName(lease.fencingToken()));
    assertThat(stat).isNotNull();
    assertThat(stat.getEphemeralOwner()).isZero();
    assertThat(a.backend().ttlKeepers()).isFalse();
    // the next keep goes straight to a persistent node
    BackendLease again = takeWhenFree(a, sent);
    assertThat(again.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(keepers(raw)).contains(LockNodes.keeperName(again.fencingToken()));
  }

  /**
   * Where the server creates TTL nodes, the keeper is one (TTL = the keep): the server deletes it once it has
   * ended, with no client left to. (A TTL node's Stat shows no TTL to clients: its ephemeralOwner reads 0.) The
   * property is read on every use, so it stays set while that server runs.
   */
  @Test
  void onAServerWithTtlNodesTheServerDeletesTheKeeperOfACrashedHolder() throws Exception {
    String before = System.setProperty(TTL_PROPERTY, "true");
    try (TestingServer ttlServer = new TestingServer(true);
        CuratorFramework ttlRaw = RawClient.connect(ttlServer.getConnectString())) {
      Client a = connect(ttlServer);
      Client b = connect(ttlServer);
      BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
      assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).isTrue();
      LockClients.crash(a.client());
      assertThat(a.backend().ttlKeepers()).as("the server took the TTL node").isTrue();
      assertThat(keepers(ttlRaw)).containsExactly(LockNodes.keeperName(lease.fencingToken()));
      assertThat(attempt(b, false).get(10, TimeUnit.SECONDS)).as("tryAcquire while kept").isNull();

      // no contender comes: the server's container manager (every 200 ms in this build) deletes it
      await().atMost(KEEP.plus(WAIT)).pollInterval(Duration.ofMillis(50)).until(() -> keepers(ttlRaw).isEmpty());
      BackendLease next = attempt(b, false).get(10, TimeUnit.SECONDS);
      assertThat(next).isNotNull();
      assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
      assertThat(next.release().get(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      if (before == null) {
        System.clearProperty(TTL_PROPERTY);
      } else {
        System.setProperty(TTL_PROPERTY, before);
      }
    }
  }

  /** A lock whose name continues this one's ({@code <name>/keep}) is a child of its node, and no keeper. */
  @Test
  void theNodeOfALockNamedLikeAKeeperBelowTheLockKeepsNothing() throws Exception {
    Client a = connect(server);
    String below = name + "/keep";
    BackendLease other = a.backend().acquire(new AcquireRequest(a.client().options().namespace(), below,
        "0123456789abcdef0123456789abcdef", Duration.ofSeconds(30), false, NO_EVENTS)).get(10, TimeUnit.SECONDS);
    assertThat(children(raw)).contains("keep");
    assertThat(keepers(raw)).isEmpty();
    BackendLease lease = attempt(a, false).get(10, TimeUnit.SECONDS);
    assertThat(lease).as("tryAcquire beside the node of lock " + below).isNotNull();
    assertThat(lease.release().get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(other.release().get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void keeperDataIsTheKeepInWholeMillisecondsRoundedUp() {
    assertThat(LockNodes.ceilMillis(Duration.ofMillis(1500))).isEqualTo(1500);
    assertThat(LockNodes.ceilMillis(Duration.ofNanos(1))).isEqualTo(1);
    assertThat(LockNodes.ceilMillis(Duration.ofNanos(1_000_001))).isEqualTo(2);
    assertThat(LockNodes.keepMillis(LockNodes.keeperData(604_800_000L))).isEqualTo(604_800_000L);
    // what no keeper writes keeps nothing
    assertThat(LockNodes.keepMillis(null)).isZero();
    assertThat(LockNodes.keepMillis(new byte[0])).isZero();
    assertThat(LockNodes.keepMillis("-5".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isZero();
    assertThat(LockNodes.keepMillis("1234567890123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isZero();
    assertThat(LockNodes.keepers(List.of("keep", "_c_x-lock-0000000001", "keep$42", "lock-0000000002")))
        .containsExactly("keep$42");
  }

  // ---- helpers ----

  /** Tries without waiting until the lock is won; checks that it was won after the keep sent at {@code sent}. */
  private BackendLease takeWhenFree(Client client, long sent) {
    BackendLease next = await().atMost(KEEP.plus(WAIT)).pollInterval(Duration.ofMillis(50))
        .until(() -> attempt(client, false).get(10, TimeUnit.SECONDS), Objects::nonNull);
    assertWonAfterTheEnd(sent, System.nanoTime());
    return next;
  }

  /** Won no earlier than the keep's end (the server stamped the keeper after it was sent), and soon after it. */
  private static void assertWonAfterTheEnd(long sent, long won) {
    assertThat(Duration.ofNanos(won - sent)).isGreaterThanOrEqualTo(KEEP).isLessThan(KEEP.plus(LATE));
  }

  private CompletableFuture<BackendLease> attempt(Client client, boolean waits) {
    byte[] token = new byte[16];
    RANDOM.nextBytes(token);
    return client.backend().acquire(new AcquireRequest(client.client().options().namespace(), name,
        HexFormat.of().formatHex(token), Duration.ofSeconds(30), waits, NO_EVENTS));
  }

  private Client connect(TestingServer on) {
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    URI uri = URI.create("zookeeper://" + on.getConnectString() + CHROOT);
    LockClient client = new ZooKeeperLockProvider().connect(uri, LockOptions.defaults(), backend::set);
    clients.add(client);
    return new Client(client, backend.get());
  }

  private String lockPath() {
    return LockNodes.lockPath(CHROOT, LockOptions.defaults().namespace(), name);
  }

  private List<String> children(CuratorFramework client) throws Exception {
    try {
      return client.getChildren().forPath(lockPath());
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  private List<String> keepers(CuratorFramework client) throws Exception {
    return LockNodes.keepers(children(client));
  }

  /** Expires a session on the server: a second handle takes it over and closes it. */
  private static void expireOnTheServer(long sessionId, byte[] password) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper twin = new ZooKeeper(server.getConnectString(), 6000, event -> {
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
  }
}
