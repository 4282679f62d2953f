package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.contract.Workers;
import dev.lockkit.contract.Workers.Taken;
import dev.lockkit.contract.Workers.Worker;
import dev.lockkit.faults.TcpProxy;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.apache.zookeeper.server.command.FourLetterCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * A waiter whose predecessor was first in the queue holds the lock when the predecessor's delete reaches it,
 * without reading the queue again; and a predecessor released with a minimum hold still keeps it from the waiter
 * until the keep ends. The waiter's client reaches the server through a proxy that, from the release on, holds
 * whatever it sends for {@link #SLOW_WAY_UP}: a waiter that must ask the server once more is that much slower.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PredecessorHandOffTest {
  private static final Duration SLOW_WAY_UP = Duration.ofMillis(800);
  private static final String CHROOT = "/handoff";
  private static final String WHITELIST = "zookeeper.4lw.commands.whitelist";

  private static TestingServer server;
  private final Workers workers = new Workers();

  @BeforeAll
  static void start() throws Exception {
    // wchp: which paths have watches, so that the release comes only once the waiter watches its predecessor. The
    // in-process server reads its list of allowed commands once per JVM, at the first command: read it now.
    String before = System.setProperty(WHITELIST, "srvr,wchp");
    try {
      FourLetterCommands.resetWhiteList();
      assertThat(FourLetterCommands.isEnabled("wchp")).isTrue();
    } finally {
      if (before == null) {
        System.clearProperty(WHITELIST);
      } else {
        System.setProperty(WHITELIST, before);
      }
    }
    server = new TestingServer(true);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    FourLetterCommands.resetWhiteList(); // later tests of this JVM read theirs again
  }

  @AfterEach
  void stopWorkers() {
    workers.close();
  }

  @Test
  void aWaiterWhosePredecessorWasFirstHoldsTheLockOnItsDeleteWithoutAskingAgain(TestInfo test) throws Exception {
    String name = "handoff/" + test.getTestMethod().orElseThrow().getName();
    try (TcpProxy way = TcpProxy.start(server.getPort());
        LockClient a = ZkFixtures.connect(server.getConnectString(), CHROOT, LockOptions.defaults());
        LockClient b = ZkFixtures.connect("127.0.0.1:" + way.port(), CHROOT, LockOptions.defaults())) {
      Lease first = a.lock(name).acquire();
      Worker<Taken> taken = workers.taking(b.lock(name), Duration.ofSeconds(30));
      awaitWatched(first);

      way.delayTowardServer(SLOW_WAY_UP);
      long releasedAt = System.nanoTime();
      first.close();

      Taken got = taken.get(Duration.ofSeconds(30));
      way.pass();
      assertThat(Duration.ofNanos(got.atNanos() - releasedAt)).as("from the release to the other client's hold")
          .isLessThan(SLOW_WAY_UP.dividedBy(2));
      assertThat(got.fencingToken()).as("the next lease's fencing token").isGreaterThan(first.fencingToken());
      await().atMost(Duration.ofSeconds(20)).until(() -> a.lock(name).tryAcquire().map(l -> {
        l.close();
        return true;
      }).orElse(false));
    }
  }

  @Test
  void aWaiterWhosePredecessorIsReleasedWithAMinimumHoldWaitsForTheKeep(TestInfo test) throws Exception {
    String name = "handoff/" + test.getTestMethod().orElseThrow().getName();
    // the keep must still be on once the waiter has set its watch, also on two loaded cores
    Duration keep = Duration.ofSeconds(6);
    try (LockClient a = ZkFixtures.connect(server.getConnectString(), CHROOT, LockOptions.defaults());
        LockClient b = ZkFixtures.connect(server.getConnectString(), CHROOT, LockOptions.defaults())) {
      long before = System.nanoTime();
      Lease first = a.lock(name, LockSettings.builder().minimumHold(keep).build()).acquire();
      Worker<Taken> taken = workers.taking(b.lock(name), Duration.ofSeconds(30));
      awaitWatched(first);

      first.close(); // within the minimum hold: the lock is kept on the server until it ends
      assertThat(taken.result()).as("the waiter, during the keep").isNotDone();

      Taken got = taken.get(Duration.ofSeconds(30));
      // the server's clock counts the keep in whole ms; 50 ms for the two clocks' rates and roundings
      assertThat(Duration.ofNanos(got.atNanos() - before)).as("from before the acquisition to the other client's hold")
          .isGreaterThanOrEqualTo(keep.minusMillis(50));
      assertThat(got.fencingToken()).as("the next lease's fencing token").isGreaterThan(first.fencingToken());
    }
  }

  /**
   * Waits until the server has a watch on the holder's node, the first of the lock's queue: the waiter's, as the
   * holder's own is set only at its first renewal.
   */
  private static void awaitWatched(Lease holder) {
    await().atMost(Duration.ofSeconds(20)).until(() -> Arrays.stream(
            FourLetterWordMain.send4LetterWord("127.0.0.1", server.getPort(), "wchp").split("\n"))
        .anyMatch(line -> line.startsWith(CHROOT + "/") && line.endsWith("lock-0000000000")));
    assertThat(holder.isValid()).isTrue();
  }
}
