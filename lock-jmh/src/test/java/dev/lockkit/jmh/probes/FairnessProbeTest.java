package dev.lockkit.jmh.probes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.servers.Servers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three processes of two threads each on one lock, with a 2 s timed acquire and 3 ms of work inside: every process
 * gets its turns. A short run of {@link FairnessProbe} with its targets asserted, but for the longest wait: the
 * build runs beside other modules' tests on two cores, where a thread may stay descheduled for a second, so here
 * the bound is the timed acquire's own (none may time out); the probe's run on an idle machine holds the target
 * of half that (README, "Cohorting").
 */
class FairnessProbeTest {
  private static final Duration COUNTING = Duration.ofSeconds(12);
  private static final long WORK_MILLIS = 3;

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void redisProcessesShareTheLockWithoutTimeouts() throws Exception {
    assertTargetsMet(FairnessProbe.run(Contender.LOCKKIT_REDIS_LETTUCE, COUNTING, WORK_MILLIS));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void zooKeeperProcessesShareTheLockWithoutTimeouts() throws Exception {
    assertTargetsMet(FairnessProbe.run(Contender.LOCKKIT_ZOOKEEPER, COUNTING, WORK_MILLIS));
  }

  private static void assertTargetsMet(FairnessProbe.Result r) {
    String seen = r.row().strip();
    assertThat(r.errors()).as("worker errors; %s", seen).isEmpty();
    assertThat(r.processes()).hasSize(FairnessProbe.PROCESSES);
    assertThat(r.acquisitions()).as("acquisitions; %s", seen).isPositive();
    assertThat(r.timeouts()).as("timed acquires that gave up; %s", seen).isZero();
    assertThat(r.shareRatios()).as("each process's share of the acquisitions over its share of the threads; %s", seen)
        .allSatisfy(ratio -> assertThat(ratio).isBetween(FairnessProbe.SHARE_LOW, FairnessProbe.SHARE_HIGH));
    assertThat(Duration.ofNanos(r.maxWaitNanos())).as("longest wait of any thread; %s", seen)
        .isLessThan(FairnessProbe.MAX_WAIT);
  }
}
