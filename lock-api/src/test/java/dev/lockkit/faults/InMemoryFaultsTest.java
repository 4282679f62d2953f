package dev.lockkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault machinery on the in-memory backend: a run without faults is clean, a holder frozen past its
 * lease is fenced off and told, and broken servers or storage are caught by the columns meant to catch them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InMemoryFaultsTest {
  private static final Duration LEASE = Duration.ofSeconds(1);
  private static final String LOCK = "faults/counter";

  private final List<LockClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(LockClient::close);
  }

  @Test
  void withoutFaultsEveryMustBeZeroColumnIsZero() throws Exception {
    String store = store();
    Recording recording = Recording.fenced();
    Workload workload = Workload.builder().clients(memoryClients(store, 3)).lockName(LOCK)
        .duration(FaultSuite.pick(Duration.ofSeconds(2), Duration.ofSeconds(30))).recording(recording).build();

    FaultReport report = finish(workload.start(), "memory", "none", recording, store);

    assertThat(report.safe()).as("%s", report).isTrue();
    assertThat(report.acquisitions()).as("%s", report).isGreaterThan(20);
    assertThat(report.overlaps()).as("%s", report).isZero();
    assertThat(report.staleRejected()).as("%s", report).isZero();
    assertThat(recording.store().value()).as("no update lost").isEqualTo(report.acquisitions());
  }

  @Test
  void aHolderFrozenPastItsLeaseIsFencedOffAndTold() throws Exception {
    String store = store();
    Recording recording = Recording.fenced();
    int pauses = FaultSuite.pick(1, 5);
    Workload workload = Workload.builder().clients(memoryClients(store, 3)).lockName(LOCK)
        .duration(FaultSuite.pick(Duration.ofMillis(3500), Duration.ofSeconds(40))).recording(recording).build();

    try (Workload.Run run = workload.start()) {
      freezeRepeatedly(run, recording, pauses);
      FaultReport report = finish(run, "memory", "client frozen 2.5x lease, x" + pauses, recording, store);

      assertThat(report.safe()).as("%s", report).isTrue();
      assertThat(report.staleRejected()).as("%s", report).isGreaterThanOrEqualTo(pauses);
      assertThat(report.overlaps()).as("the frozen holder overlapped its successor: %s", report).isPositive();
    }
  }

  @Test
  void storageWithoutFenceLetsTheFrozenHoldersWriteThrough() throws Exception {
    String store = store();
    Recording recording = new Recording(FencedStore.unfenced());
    Workload workload = Workload.builder().clients(memoryClients(store, 3)).lockName(LOCK)
        .duration(Duration.ofMillis(3500)).recording(recording).build();

    try (Workload.Run run = workload.start()) {
      freezeRepeatedly(run, recording, 1);
      FaultReport report = finish(run, "memory", "client frozen 2.5x lease, store without fence", recording,
          store);

      assertThat(report.staleAccepted()).as("%s", report).isPositive();
      assertThat(report.silentLosses()).as("the library still told the holder: %s", report).isZero();
    }
  }

  @Test
  void aServerWithoutMutualExclusionIsCaught() throws Exception {
    AtomicLong tokens = new AtomicLong();
    FakeLockServer server = FakeLockServer.grantingEverything(tokens::incrementAndGet);
    Recording recording = Recording.fenced();
    Workload workload = Workload.builder().clients(fakeClients(server, 2)).lockName(LOCK)
        .duration(Duration.ofMillis(1500)).work(Duration.ofMillis(1)).recording(recording).build();

    FaultReport report = finish(workload.start(), "fake", "grants everything", recording, null);

    assertThat(report.overlaps()).as("%s", report).isPositive();
    assertThat(report.silentLosses()).as("%s", report).isPositive();
    assertThat(report.staleRejected() + report.staleAccepted()).as("%s", report).isPositive();
    assertThat(report.safe()).isFalse();
  }

  @Test
  void tokensThatGoBackwardsAreCaught() throws Exception {
    AtomicLong tokens = new AtomicLong(1_000_000_000L);
    FakeLockServer server = FakeLockServer.exclusive(tokens::decrementAndGet);
    Recording recording = Recording.fenced();
    Workload workload = Workload.builder().clients(fakeClients(server, 2)).lockName(LOCK)
        .duration(Duration.ofMillis(1500)).recording(recording).build();

    FaultReport report = finish(workload.start(), "fake", "tokens go backwards", recording, null);

    assertThat(report.overlaps()).as("%s", report).isZero();
    assertThat(report.legitRejected()).as("%s", report).isPositive();
    assertThat(report.staleAccepted()).as("%s", report).isZero();
  }

  @Test
  void overlappingHoldersWithTokensOutOfGrantOrderGetStaleWritesAccepted() throws Exception {
    // 2, 1, 4, 3, ...: every second holder gets a token below its predecessor's
    AtomicLong grants = new AtomicLong();
    FakeLockServer server = FakeLockServer.grantingEverything(() -> {
      long n = grants.incrementAndGet();
      return n % 2 == 1 ? n + 1 : n - 1;
    });
    Recording recording = Recording.fenced();
    Workload workload = Workload.builder().clients(fakeClients(server, 2)).lockName(LOCK)
        .duration(Duration.ofMillis(1500)).work(Duration.ofMillis(1)).recording(recording).build();

    FaultReport report = finish(workload.start(), "fake", "grants everything, tokens out of order", recording,
        null);

    assertThat(report.staleAccepted()).as("%s", report).isPositive();
    assertThat(report.silentLosses()).as("%s", report).isPositive();
  }

  /** Freezes client 0 at its next section for 2.5 lease times, {@code times} times, one after another. */
  private static void freezeRepeatedly(Workload.Run run, Recording recording, int times) {
    for (int i = 0; i < times; i++) {
      int before = recording.pauses().size();
      await().atMost(Duration.ofSeconds(20)).until(() -> recording.acquisitions("p0/c0/") > 0);
      run.stall(0).arm(LEASE.multipliedBy(5).dividedBy(2));
      await().atMost(Duration.ofSeconds(30)).until(() -> recording.pauses().size() > before);
    }
  }

  private FaultReport finish(Workload.Run run, String backend, String fault, Recording recording,
      String store) throws InterruptedException {
    try (run) {
      assertThat(run.await(run.bound())).as("the workload ended by itself").isTrue();
      assertThat(run.failures()).isEmpty();
    }
    clients.forEach(LockClient::close);
    List<String> leftovers = List.of();
    if (store != null) {
      try (LockClient probe = Locks.connect("memory:" + store)) {
        leftovers = LeftoverProbe.lockIsFree(probe, LOCK).leftovers();
      }
    }
    FaultReport report = Checker.check(backend, fault, recording, FaultSuite.GRACE, leftovers);
    FaultTable.add(report);
    return report;
  }

  private List<LockClient> memoryClients(String store, int count) {
    List<LockClient> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      made.add(Locks.connect("memory:" + store, LockOptions.builder().leaseTime(LEASE)
          .commandTimeout(Duration.ofMillis(600)).build()));
    }
    clients.addAll(made);
    return made;
  }

  private List<LockClient> fakeClients(FakeLockServer server, int count) {
    List<LockClient> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      made.add(server.client(LockOptions.defaults()));
    }
    clients.addAll(made);
    return made;
  }

  private static String store() {
    return "faults-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }
}
