package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.faults.Checker;
import dev.lockkit.faults.ChildJvm;
import dev.lockkit.faults.FaultReport;
import dev.lockkit.faults.FaultSuite;
import dev.lockkit.faults.FaultTable;
import dev.lockkit.faults.LeftoverProbe;
import dev.lockkit.faults.Pause;
import dev.lockkit.faults.Recording;
import dev.lockkit.faults.RecordingServer;
import dev.lockkit.faults.TcpProxy;
import dev.lockkit.faults.Workload;
import dev.lockkit.faults.WorkloadMain;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault workload (issue 6) against a real 3-server ensemble: K clients x T threads take one lock and
 * read-modify-write the fenced store, under each ZooKeeper fault; the checker's must-be-0 columns must be 0
 * and every run adds a row to the fault table ({@code target/fault-report.md}).
 *
 * <p>Sessions (and leases) are {@value #SESSION_SECONDS} s, on servers ticking every 500 ms so that the server
 * grants so short a session; every fault lasts about twice that. The runs are a few seconds each; with
 * {@code -Dlockkit.faults.long=true} they run 20 to 30 s and repeat their fault.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ZooKeeperFaultsTest {
  private static final int SESSION_SECONDS = 3;
  private static final Duration SESSION = Duration.ofSeconds(SESSION_SECONDS);
  /** The lease time equals the session timeout: a holder stops trusting its lease no later than the server. */
  private static final Duration LEASE = SESSION;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration MAX_WAIT = Duration.ofSeconds(4);
  private static final Duration FAULT = SESSION.multipliedBy(2);
  /** The work of a section in runs whose fault should strike a holder inside its section. */
  private static final Duration SECTION = Duration.ofMillis(50);
  private static final String LOCK = "faults/counter";
  private static final String NAMESPACE = "lockkit";
  private static final String BACKEND = "zookeeper, 3-server ensemble";
  private static final Path CHILD_LOGS = Path.of("target", "faults-children");

  private static TestingCluster cluster;

  private final List<LockClient> clients = new ArrayList<>();
  private final List<ZooKeeperBackend> backends = new ArrayList<>();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final String chroot = "/faults-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);

  @BeforeAll
  static void startCluster() throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      // tick 500 ms: the servers grant sessions of 1 to 10 s (2 to 20 ticks)
      specs.add(new InstanceSpec(null, -1, -1, -1, true, id, 500, -1));
    }
    cluster = new TestingCluster(specs);
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
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> cluster.getInstances().stream().filter(s -> mode(s).isPresent()).count() == 3
            && leader().isPresent());
  }

  @AfterEach
  void closeEverything() {
    closeClients();
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        // closed already
      }
    }
  }

  @Test
  void withoutFaults() throws Exception {
    Recording recording = Recording.fenced();
    Workload workload = workload(directClients(2), recording, FaultSuite.pick(Duration.ofSeconds(3),
        Duration.ofSeconds(20)));

    try (Workload.Run run = workload.start()) {
      finish(run);
    }
    FaultReport report = check("none", recording);
    assertThat(report.overlaps()).as("%s", report).isZero();
  }

  @Test
  void sessionExpiredOnTheServerUnderAHolder() throws Exception {
    int expiries = FaultSuite.pick(2, 8);
    Recording recording = Recording.fenced();
    Workload workload = workload(directClients(3), recording, FaultSuite.pick(Duration.ofSeconds(6),
        Duration.ofSeconds(25)), SECTION);

    int underHolder = 0;
    try (Workload.Run run = workload.start();
        CuratorFramework observer = RawClient.connect(cluster.getConnectString())) {
      for (int i = 0; i < 4 * expiries && underHolder < expiries; i++) {
        long before = recording.acquisitions();
        await().atMost(Duration.ofSeconds(30)).until(() -> recording.acquisitions() > before + 3);
        if (expireTheHolder(observer)) {
          underHolder++;
        }
      }
      finish(run);
    }
    check("session expired on the server under the holder, x" + underHolder, recording);
    assertThat(underHolder).as("sessions expired while they held the lock").isPositive();
  }

  @Test
  void leaderKilled() throws Exception {
    int kills = FaultSuite.pick(1, 3);
    Recording recording = Recording.fenced();
    Workload workload = workload(directClients(3), recording, FaultSuite.pick(Duration.ofSeconds(8),
        Duration.ofSeconds(30)));

    try (Workload.Run run = workload.start()) {
      for (int i = 0; i < kills; i++) {
        long before = recording.acquisitions();
        await().atMost(Duration.ofSeconds(60)).until(() -> recording.acquisitions() > before + 5);
        InstanceSpec leader = leader().orElseThrow();
        assertThat(cluster.killServer(leader)).isTrue();
        try {
          // the workload goes on once the two left have elected a leader
          long atKill = recording.acquisitions();
          await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
              .until(() -> recording.acquisitions() > atKill + 5);
        } finally {
          cluster.restartServer(leader);
        }
        if (i + 1 < kills) {
          ensembleIsWhole();
        }
      }
      finish(run);
    }
    check("leader killed, x" + kills, recording);
  }

  @Test
  void clientPartitionedPastItsSessionTimeout() throws Exception {
    int partitions = FaultSuite.pick(1, 3);
    InstanceSpec server = cluster.getInstances().iterator().next();
    TcpProxy proxy = TcpProxy.start(server.getPort());
    resources.add(proxy);
    List<LockClient> all = new ArrayList<>(directClients(2));
    all.add(client("127.0.0.1:" + proxy.port()));
    Recording recording = Recording.fenced();
    Workload workload = workload(all, recording, FaultSuite.pick(Duration.ofSeconds(12), Duration.ofSeconds(30)),
        SECTION);
    String partitioned = workload.holderPrefix(2);

    ZooKeeperBackend cut = backends.get(2);
    try (Workload.Run run = workload.start();
        CuratorFramework observer = RawClient.connect(cluster.getConnectString())) {
      for (int i = 0; i < partitions; i++) {
        long before = recording.acquisitions(partitioned);
        await().atMost(Duration.ofSeconds(30)).until(() -> recording.acquisitions(partitioned) > before);
        // cut it off while it holds the lock: once cut off it cannot delete its node, so a head node of its
        // session seen after the cut is the lock held by a partitioned client
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> {
          proxy.blackhole();
          if (headOwner(observer) == cut.sessionId()) {
            return true;
          }
          proxy.pass();
          return false;
        });
        long healAt = System.nanoTime() + FAULT.toNanos();
        try {
          long atCut = recording.acquisitions();
          // the others go on without it: its session expires on the server and its nodes go
          await().atMost(FAULT.plusSeconds(30)).until(() -> recording.acquisitions() > atCut + 5);
          // and it stays cut off for the whole fault
          await().atMost(FAULT.plusSeconds(5)).pollInterval(Duration.ofMillis(50))
              .until(() -> System.nanoTime() - healAt >= 0);
        } finally {
          proxy.pass();
        }
      }
      // it comes back with a new session and takes the lock again
      long back = recording.acquisitions(partitioned);
      await().atMost(Duration.ofSeconds(30)).until(() -> recording.acquisitions(partitioned) > back);
      finish(run);
    }
    check("holder partitioned (proxy blackhole) " + FAULT.toSeconds() + " s, x" + partitions, recording);
  }

  @Test
  void clientProcessStoppedPastItsSessionTimeout() throws Exception {
    int stops = FaultSuite.pick(1, 3);
    Duration duration = FaultSuite.pick(Duration.ofSeconds(14), Duration.ofSeconds(30));
    Recording recording = Recording.fenced();
    RecordingServer recorder = RecordingServer.start(recording);
    resources.add(recorder);
    WorkloadMain.Settings settings = new WorkloadMain.Settings("p1", uri(cluster.getConnectString()), LOCK, 1, 2,
        duration, MAX_WAIT, LEASE, COMMAND_TIMEOUT, NAMESPACE);
    ChildJvm child = ChildJvm.startWorkload(settings, recorder.address(), CHILD_LOGS);
    resources.add(0, child); // killed before the recorder closes, should the test fail
    Workload workload = workload(directClients(2), recording, duration, SECTION);

    try (Workload.Run run = workload.start();
        CuratorFramework observer = RawClient.connect(cluster.getConnectString())) {
      for (int i = 0; i < stops; i++) {
        long before = recording.acquisitions(settings.holderPrefix());
        await().atMost(Duration.ofSeconds(60)).until(() -> recording.acquisitions(settings.holderPrefix()) > before + 3);
        // stop it while it holds the lock: a stopped process cannot delete its node, so a head node owned by
        // none of this JVM's sessions, seen after the stop, is the lock held by the stopped child
        AtomicLong stoppedAt = new AtomicLong();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> {
          long start = System.nanoTime();
          child.pause();
          long owner = headOwner(observer);
          if (owner != 0 && backends.stream().noneMatch(b -> b.sessionId() == owner)) {
            stoppedAt.set(start);
            return true;
          }
          child.resume();
          recording.pause(new Pause(settings.holderPrefix(), start, System.nanoTime()));
          return false;
        });
        try {
          long resumeAt = stoppedAt.get() + FAULT.toNanos();
          await().atMost(FAULT.plusSeconds(5)).pollInterval(Duration.ofMillis(50))
              .until(() -> System.nanoTime() - resumeAt >= 0);
        } finally {
          child.resume();
          recording.pause(new Pause(settings.holderPrefix(), stoppedAt.get(), System.nanoTime()));
        }
      }
      assertThat(child.awaitExit(duration.plusSeconds(60))).as("child exit code; see %s", child.logFile()).isZero();
      finish(run);
    }
    check("holder process stopped (SIGSTOP) " + FAULT.toSeconds() + " s, x" + stops, recording);
  }

  // ---- the run ----

  private Workload workload(List<LockClient> of, Recording recording, Duration duration) {
    return workload(of, recording, duration, Duration.ofMillis(1));
  }

  private Workload workload(List<LockClient> of, Recording recording, Duration duration, Duration work) {
    return Workload.builder().clients(of).threadsPerClient(2).lockName(LOCK).duration(duration).maxWait(MAX_WAIT)
        .work(work).recording(recording).build();
  }

  private static void finish(Workload.Run run) throws InterruptedException {
    assertThat(run.await(run.bound())).as("the workload ended by itself").isTrue();
    assertThat(run.failures()).isEmpty();
  }

  /** Closes the clients, looks for leftovers, checks, adds the row, and asserts the must-be-0 columns. */
  private FaultReport check(String fault, Recording recording) throws Exception {
    closeClients();
    List<String> leftovers = leftovers();
    FaultReport report = Checker.check(BACKEND, fault, recording, FaultSuite.GRACE, leftovers);
    FaultTable.add(report);
    assertThat(report.acquisitions()).as("%s", report).isPositive();
    assertThat(report.staleAccepted()).as("stale writes accepted: %s", report).isZero();
    assertThat(report.legitRejected()).as("token regressions: %s", report).isZero();
    assertThat(report.silentLosses()).as("silent losses: %s", report).isZero();
    assertThat(report.hangs()).as("hangs: %s", report).isZero();
    assertThat(report.leftovers()).as("leftovers: %s", report).isZero();
    assertThat(report.safe()).as("%s", report).isTrue();
    return report;
  }

  /**
   * Lock nodes left under the lock once every client is closed, and whether a fresh client can take the lock.
   * A session a fault cut off from its client (Curator gave it up as lost while the server still kept it)
   * ends on the server within its timeout; what is still there after that was left behind.
   */
  private List<String> leftovers() throws Exception {
    String lockPath = LockNodes.lockPath(chroot, NAMESPACE, LOCK);
    List<String> found = new ArrayList<>();
    try (CuratorFramework observer = RawClient.connect(cluster.getConnectString())) {
      AtomicReference<List<String>> nodes = new AtomicReference<>(List.of());
      try {
        await().atMost(SESSION.multipliedBy(2).plusSeconds(5)).pollInterval(Duration.ofMillis(100))
            .until(() -> {
              nodes.set(children(observer, lockPath));
              return nodes.get().isEmpty();
            });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // reported below
      }
      nodes.get().forEach(n -> found.add("lock node " + lockPath + "/" + n));
    }
    try (LockClient probe = ZkFixtures.connect(cluster.getConnectString(), chroot,
        LockOptions.builder().commandTimeout(Duration.ofSeconds(10)).build())) {
      found.addAll(LeftoverProbe.lockIsFree(probe, LOCK).leftovers());
    }
    return found;
  }

  private static List<String> children(CuratorFramework observer, String path) throws Exception {
    try {
      return observer.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }

  // ---- clients ----

  private String uri(String connectString) {
    return "zookeeper://" + connectString + chroot + "?sessionTimeout=" + SESSION_SECONDS + "s";
  }

  private LockClient client(String connectString) {
    LockOptions options = LockOptions.builder().leaseTime(LEASE).commandTimeout(COMMAND_TIMEOUT)
        .namespace(NAMESPACE).build();
    AtomicReference<ZooKeeperBackend> backend = new AtomicReference<>();
    LockClient c = new ZooKeeperLockProvider().connect(URI.create(uri(connectString)), options, backend::set);
    clients.add(c);
    backends.add(backend.get());
    return c;
  }

  private List<LockClient> directClients(int count) {
    List<LockClient> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      made.add(client(cluster.getConnectString()));
    }
    return made;
  }

  private void closeClients() {
    for (LockClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // a lease it could not release: its session ends with the client anyway
      }
    }
    clients.clear();
  }

  // ---- faults ----

  /** The session owning the first node of the lock's queue (the holder's), 0 if the queue is empty. */
  private long headOwner(CuratorFramework observer) throws Exception {
    String lockPath = LockNodes.lockPath(chroot, NAMESPACE, LOCK);
    for (LockNodes.Node node : LockNodes.queue(children(observer, lockPath))) {
      Stat stat = observer.checkExists().forPath(lockPath + "/" + node.name());
      if (stat != null) {
        return stat.getEphemeralOwner();
      }
    }
    return 0;
  }

  /**
   * Expires, on the server, the session of one of this test's clients that holds the lock. A second handle
   * takes the session over (from then on the client's own requests fail, so it cannot release) and closes it,
   * as EnsembleFailureTest does. True if the session still held the lock when it was taken over; the session
   * is expired either way.
   */
  private boolean expireTheHolder(CuratorFramework observer) throws Exception {
    long session = headOwner(observer);
    ZooKeeperBackend holder = backends.stream().filter(b -> b.sessionId() == session).findFirst().orElse(null);
    ZooKeeper handle = holder == null ? null : holder.connection().handle();
    if (session == 0 || handle == null || handle.getSessionId() != session) {
      return false;
    }
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper twin = new ZooKeeper(cluster.getConnectString(), SESSION_SECONDS * 1000, event -> {
      if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    }, session, handle.getSessionPasswd());
    boolean held;
    try {
      assertThat(connected.await(30, TimeUnit.SECONDS)).as("twin handle connected").isTrue();
      held = headOwner(observer) == session;
    } finally {
      twin.close();
    }
    // the server deleted the session's nodes as it closed it
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> headOwner(observer) != session);
    return held;
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
