package dev.lockkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The workload in child JVMs reporting to this JVM's recorder: a clean run, a child stopped with
 * {@code SIGSTOP} (its frozen time is not counted as hanging), and two children whose in-memory stores are
 * separate, so that nothing excludes them from each other: the checker must see overlaps and silent losses.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChildJvmFaultsTest {
  private static final Path LOGS = Path.of("target", "faults-children");

  private final List<ChildJvm> children = new ArrayList<>();
  private Recording recording;
  private RecordingServer server;

  @BeforeEach
  void startRecorder() throws Exception {
    recording = Recording.fenced();
    server = RecordingServer.start(recording);
  }

  @AfterEach
  void stopAll() {
    children.forEach(ChildJvm::close);
    server.close();
  }

  @Test
  void aChildProcessReportsEveryTurnThroughTheLoopbackRecorder() throws Exception {
    WorkloadMain.Settings settings = settings("p1", FaultSuite.pick(Duration.ofSeconds(2), Duration.ofSeconds(20)),
        Duration.ofSeconds(5));
    ChildJvm child = start(settings);

    assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit code; see %s", child.logFile()).isZero();
    FaultReport report = check("memory, 1 child JVM", "none");

    assertThat(report.safe()).as("%s", report).isTrue();
    assertThat(report.acquisitions()).isGreaterThan(20);
    assertThat(report.overlaps()).isZero();
    assertThat(recording.store().value()).as("no update lost").isEqualTo(report.acquisitions());
  }

  @Test
  void aChildStoppedWithSigstopIsFrozenNotHanging() throws Exception {
    Duration maxWait = Duration.ofSeconds(1);
    Duration stop = maxWait.plus(FaultSuite.GRACE).plusMillis(700);
    WorkloadMain.Settings settings = settings("p1", Duration.ofSeconds(5), maxWait);
    ChildJvm child = start(settings);
    await().atMost(Duration.ofSeconds(30)).until(() -> recording.acquisitions("p1/") > 10);

    recording.pause(child.freeze(settings.holderPrefix(), stop));

    assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit code; see %s", child.logFile()).isZero();
    FaultReport report = check("memory, 1 child JVM", "process stopped (SIGSTOP) " + stop.toMillis() + " ms");
    assertThat(report.safe()).as("%s", report).isTrue();
    // the same history without the pause: calls that spanned the stop look hung
    FaultReport ignoringPause = Checker.check("memory", "stop not recorded", recording.attempts(),
        recording.store().accesses(), List.of(), FaultSuite.GRACE, List.of());
    assertThat(ignoringPause.hangs()).as("%s", ignoringPause).isPositive();
  }

  @Test
  void twoChildrenWithoutASharedLockServerAreCaughtOverlapping() throws Exception {
    // each child's memory: store lives in its own JVM: two lock servers, no exclusion between the children
    Duration duration = Duration.ofSeconds(3); // long enough for the two runs to meet despite start-up skew
    List<ChildJvm> both = List.of(start(settings("p1", duration, Duration.ofSeconds(5))),
        start(settings("p2", duration, Duration.ofSeconds(5))));
    for (ChildJvm child : both) {
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit code; see %s", child.logFile()).isZero();
    }
    FaultReport report = check("memory, 2 child JVMs", "no shared server (broken on purpose)");

    assertThat(report.overlaps()).as("%s", report).isPositive();
    assertThat(report.silentLosses()).as("%s", report).isPositive();
    assertThat(report.staleRejected() + report.staleAccepted() + report.legitRejected()).as("%s", report)
        .isPositive();
  }

  private WorkloadMain.Settings settings(String prefix, Duration duration, Duration maxWait) {
    return new WorkloadMain.Settings(prefix, "memory:faults", "faults/counter", 2, 2, duration, maxWait,
        Duration.ofSeconds(1), Duration.ofMillis(600), "lockkit");
  }

  private ChildJvm start(WorkloadMain.Settings settings) {
    ChildJvm child = ChildJvm.startWorkload(settings, server.address(), LOGS);
    children.add(child);
    return child;
  }

  private FaultReport check(String backend, String fault) {
    // the children's stores died with them: nothing can be left over
    FaultReport report = Checker.check(backend, fault, recording, FaultSuite.GRACE, List.of());
    FaultTable.add(report);
    return report;
  }
}
