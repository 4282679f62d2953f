package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What lockkit leaves on the server: node layout, tokens across re-created parents and restarts, no litter. */
class NodesTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestingServer server;
  private static CuratorFramework raw;
  private final List<LockClient> clients = new ArrayList<>();

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
    raw = RawClient.connect(server.getConnectString());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (raw != null) {
      raw.close();
    }
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

  private LockClient client() {
    LockClient c = ZkFixtures.connect(server.getConnectString(), "/nodes", LockOptions.defaults());
    clients.add(c);
    return c;
  }

  private static String name() {
    return "nodes/" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  @Test
  void aLeaseIsAnEphemeralSequentialNodeHoldingTheOwnerTokenWithItsCzxidAsToken() throws Exception {
    String name = name();
    try (Lease lease = client().lock(name).acquire(WAIT)) {
      List<String> children = raw.getChildren().forPath("/nodes/lockkit/" + name);
      assertThat(children).hasSize(1);
      assertThat(children.get(0)).matches("_c_[0-9a-f-]{36}-lock-\\d{10}");
      Stat stat = new Stat();
      byte[] data = raw.getData().storingStatIn(stat).forPath("/nodes/lockkit/" + name + "/" + children.get(0));
      assertThat(new String(data, StandardCharsets.UTF_8)).matches("[0-9a-f]{32}");
      assertThat(stat.getEphemeralOwner()).isNotZero();
      // the client's token is the server's times 1,024, leaving room for local hand-offs (see Tokens)
      assertThat(lease.fencingToken()).isEqualTo(stat.getCzxid() * 1024);
    }
  }

  @Test
  void aMissedAttemptLeavesNoNodeBehind() throws Exception {
    String name = name();
    LockClient other = client();
    try (Lease lease = client().lock(name).acquire(WAIT)) {
      assertThat(other.lock(name).tryAcquire()).isEmpty();
      await().atMost(WAIT).until(() -> raw.getChildren().forPath("/nodes/lockkit/" + name).size() == 1);
      assertThat(lease.isValid()).isTrue();
    }
  }

  @Test
  void aLockWhoseNameGoesOnWithALockNodesShapeIsNotInTheQueueOfTheShorterName() throws Exception {
    String name = name();
    LockClient a = client();
    LockClient b = client();
    // sequence 0: were its node read as a member of lock 'name', it would stand first in that queue
    for (String nested : List.of(name + "/lock-0000000000",
        name + "/_c_00000000-0000-0000-0000-000000000000-lock-0000000000")) {
      try (Lease inner = a.lock(nested).acquire(WAIT)) {
        try (Lease outer = b.lock(name).tryAcquire().orElseThrow(
            () -> new AssertionError("lock '" + name + "' is free, yet '" + nested + "' stood in its queue"))) {
          assertThat(outer.isValid()).isTrue();
          assertThat(inner.isValid()).isTrue();
          // both held: the nested lock's node (and an earlier one's, until reaped) beside this one's lock node,
          // which alone is queued
          List<String> children = raw.getChildren().forPath("/nodes/lockkit/" + name);
          assertThat(children).hasSizeGreaterThanOrEqualTo(2);
          assertThat(LockNodes.queue(children)).hasSize(1);
        }
      }
    }
  }

  @Test
  void fencingTokensKeepGrowingWhenTheParentIsDeletedAndCreatedAgain() throws Exception {
    String name = name();
    LockClient a = client();
    long first;
    try (Lease lease = a.lock(name).acquire(WAIT)) {
      first = lease.fencingToken();
    }
    // someone (or the container reaper) removes the lock's parent: sequence numbers start again at 0
    if (raw.checkExists().forPath("/nodes/lockkit/" + name) != null) {
      raw.delete().deletingChildrenIfNeeded().forPath("/nodes/lockkit/" + name);
    }
    raw.create().creatingParentsIfNeeded().forPath("/nodes/lockkit/" + name);
    try (Lease lease = client().lock(name).acquire(WAIT)) {
      assertThat(lease.fencingToken()).isGreaterThan(first);
      assertThat(raw.getChildren().forPath("/nodes/lockkit/" + name)).singleElement().asString()
          .endsWith("lock-0000000000");
    }
  }

  @Test
  void fencingTokensKeepGrowingAcrossAServerRestart() throws Exception {
    String name = name();
    long first;
    try (Lease lease = client().lock(name).acquire(WAIT)) {
      first = lease.fencingToken();
    }
    server.restart();
    LockClient after = client();
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      try (Lease lease = after.lock(name).acquire(WAIT)) {
        return lease.fencingToken() > first;
      }
    });
  }

  @Test
  void emptyParentsDoNotPileUp() throws Exception {
    // the server reaps empty container nodes every znode.container.checkIntervalMs (set low for the tests)
    String name = "litter/" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "/deep";
    try (Lease lease = client().lock(name).acquire(WAIT)) {
      assertThat(raw.checkExists().forPath("/nodes/lockkit/" + name)).isNotNull();
    }
    await().atMost(WAIT).until(() -> raw.checkExists().forPath("/nodes/lockkit/" + name) == null);
    await().atMost(WAIT).until(() -> raw.checkExists().forPath("/nodes/lockkit/litter") == null);
  }

  @Test
  void waitersAreServedInQueueOrderAndAWaiterThatGaveUpIsSkipped() throws Exception {
    String name = name();
    String parent = "/nodes/lockkit/" + name;
    Lease held = client().lock(name).acquire(WAIT);
    CompletableFuture<Lease> first = client().lock(name).acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> raw.getChildren().forPath(parent).size() == 2);
    CompletableFuture<Lease> quitter = client().lock(name).acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> raw.getChildren().forPath(parent).size() == 3);
    CompletableFuture<Lease> last = client().lock(name).acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> raw.getChildren().forPath(parent).size() == 4);

    // the quitter's node goes: only its successor notices, and now watches the first waiter
    assertThat(quitter.cancel(true)).isTrue();
    await().atMost(WAIT).until(() -> raw.getChildren().forPath(parent).size() == 3);
    assertThat(first).isNotDone();
    assertThat(last).isNotDone();

    held.close();
    Lease firstLease = first.get(20, TimeUnit.SECONDS);
    assertThat(last).isNotDone();
    firstLease.close();
    try (Lease lastLease = last.get(20, TimeUnit.SECONDS)) {
      assertThat(lastLease.fencingToken()).isGreaterThan(firstLease.fencingToken());
    }
  }

  @Test
  void aLockNodeDeletedByAnotherClientLosesTheLeaseWithinALeaseTime() throws Exception {
    String name = name();
    Duration leaseTime = Duration.ofSeconds(2);
    LockClient holder = ZkFixtures.connect(server.getConnectString(), "/nodes",
        LockOptions.builder().leaseTime(leaseTime).build());
    clients.add(holder);
    Lease lease = holder.lock(name).acquire(WAIT);
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    lease.onLost(heard::set);
    // renewals (every lease time / 3) confirm the node and leave a watch on it
    await().during(leaseTime).atMost(leaseTime.plus(WAIT)).until(lease::isValid);
    String parent = "/nodes/lockkit/" + name;
    long start = System.nanoTime();
    raw.delete().forPath(parent + "/" + raw.getChildren().forPath(parent).get(0)); // no ACLs: anyone may
    await().atMost(WAIT).until(() -> heard.get() != null);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(leaseTime.plusSeconds(3));
    assertThat(heard.get()).as("told by the watch, not the next renewal").hasMessageContaining("was deleted");
    assertThat(lease.isValid()).isFalse();
    assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
    assertThat(client().lock(name).tryAcquire()).hasValueSatisfying(Lease::close);
  }

  @Test
  void lockNamesOutsideTheBasicPlaneAreUsable() throws Exception {
    String name = name() + "/\uD835\uDC00";
    LockClient a = client();
    LockClient b = client();
    try (Lease lease = a.lock(name).acquire(WAIT)) {
      assertThat(b.lock(name).tryAcquire()).isEmpty();
      assertThat(lease.isValid()).isTrue();
    }
    assertThat(b.lock(name).tryAcquire()).hasValueSatisfying(Lease::close);
  }
}
