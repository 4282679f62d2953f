package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A holder never trusts its lease longer than the server keeps its session unheard from. Found by the SIGSTOP
 * fault run: with {@code sessionTimeout=3s} and the default 30 s lease, a process resuming from a pause of
 * 3 to 30 s found {@code isValid()} true (its lease deadline had not passed, and its ZooKeeper client had not
 * yet heard that the server expired the session) while another client held the lock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseWithinSessionTest {
  private static TestingServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aLeaseTimeLongerThanTheSessionTimeoutIsShortenedToIt() {
    LockOptions asked = LockOptions.builder().commandTimeout(Duration.ofSeconds(7)).namespace("within").build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=6s", asked)) {
      assertThat(client.options().leaseTime()).isEqualTo(Duration.ofSeconds(6));
      assertThat(client.options().renewInterval()).isEqualTo(Duration.ofSeconds(2));
      assertThat(client.options().commandTimeout()).isEqualTo(Duration.ofSeconds(7));
      assertThat(client.options().namespace()).isEqualTo("within");
    }
  }

  @Test
  void shorterLeasesAndTheirRenewalAreKept() {
    LockOptions asked = LockOptions.builder().leaseTime(Duration.ofSeconds(4)).renewInterval(Duration.ofMillis(500))
        .build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=6s", asked)) {
      assertThat(client.options()).isEqualTo(asked);
    }
    LockOptions fastRenewal = LockOptions.builder().renewInterval(Duration.ofMillis(700)).build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=6s",
        fastRenewal)) {
      assertThat(client.options().leaseTime()).isEqualTo(Duration.ofSeconds(6));
      assertThat(client.options().renewInterval()).isEqualTo(Duration.ofMillis(700));
    }
  }

  @Test
  void withoutRenewalALeaseEndsOnTheClientsClockWithinTheSessionTimeout() {
    LockOptions asked = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).withoutRenewal().build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=4s", asked)) {
      assertThat(client.options().renewalEnabled()).isFalse();
      Lease lease = client.lock("within/a").tryAcquire().orElseThrow();
      long start = System.nanoTime();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> !lease.isValid());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(Duration.ofSeconds(4));
    }
  }
}
