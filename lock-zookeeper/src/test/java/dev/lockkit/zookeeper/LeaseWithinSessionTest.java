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
 * yet heard that the server expired the session) while another client held the lock. The cap is the session the
 * server granted, which a server's {@code maxSessionTimeout} may make shorter than the one asked, and it changes
 * nothing but the lease time and what must shrink with it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseWithinSessionTest {
  private static final Duration SIX = Duration.ofSeconds(6);
  /** The longest session {@link #server} grants. */
  private static final Duration GRANTED = Duration.ofSeconds(4);

  /** Grants sessions of one to eight ticks of 500 ms, whatever a client asks for. */
  private static TestingServer server;

  @BeforeAll
  static void start() throws Exception {
    server = ZkFixtures.startServer(Duration.ofMillis(500), GRANTED);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  // ---- the cap itself, option by option ----

  @Test
  void everyOptionButTheLeaseTimeSurvivesTheCap() {
    LockOptions noCohorting = LockOptions.builder().leaseTime(Duration.ofSeconds(60))
        .renewInterval(Duration.ofMillis(1500)).commandTimeout(Duration.ofSeconds(2)).namespace("within")
        .withoutCohorting().build();
    assertThat(ZooKeeperLockProvider.withinSession(noCohorting, SIX)).isEqualTo(LockOptions.builder().leaseTime(SIX)
        .renewInterval(Duration.ofMillis(1500)).commandTimeout(Duration.ofSeconds(2)).namespace("within")
        .withoutCohorting().build());

    LockOptions noRenewal = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).withoutRenewal()
        .commandTimeout(Duration.ofSeconds(3)).namespace("other").maxLocalHandoffs(5).build();
    LockOptions capped = ZooKeeperLockProvider.withinSession(noRenewal, SIX);
    assertThat(capped).isEqualTo(LockOptions.builder().leaseTime(SIX).withoutRenewal()
        .commandTimeout(Duration.ofSeconds(3)).namespace("other").maxLocalHandoffs(5).build());
    assertThat(capped.renewalEnabled()).isFalse();
    assertThat(capped.cohortingEnabled()).isTrue();
    assertThat(capped.maxLocalHandoffs()).isEqualTo(5);

    LockOptions handoffsAndRenewal = LockOptions.builder().leaseTime(Duration.ofMinutes(10))
        .renewInterval(Duration.ofSeconds(3)).maxLocalHandoffs(1023).namespace("n").build();
    assertThat(ZooKeeperLockProvider.withinSession(handoffsAndRenewal, SIX)).isEqualTo(LockOptions.builder()
        .leaseTime(SIX).renewInterval(Duration.ofSeconds(3)).commandTimeout(Duration.ofSeconds(3)).namespace("n")
        .maxLocalHandoffs(1023).build());
  }

  @Test
  void theDefaultsAreCappedToALeaseOfTheSessionWithRenewalAndCommandTimeoutDerivedFromIt() {
    LockOptions capped = ZooKeeperLockProvider.withinSession(LockOptions.defaults(), SIX);
    assertThat(capped.leaseTime()).isEqualTo(SIX);
    assertThat(capped.renewInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(capped.commandTimeout()).isEqualTo(Duration.ofSeconds(4)); // 6 s - 2 s, below the default 5 s
    assertThat(capped.namespace()).isEqualTo(LockOptions.defaults().namespace());
    assertThat(capped.maxLocalHandoffs()).isEqualTo(LockOptions.DEFAULT_LOCAL_HANDOFFS);
  }

  @Test
  void aRenewalIntervalThatNoLongerFitsBecomesAThirdOfTheCappedLease() {
    LockOptions slow = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).renewInterval(Duration.ofSeconds(20))
        .commandTimeout(Duration.ofSeconds(1)).withoutCohorting().build();
    assertThat(ZooKeeperLockProvider.withinSession(slow, SIX)).isEqualTo(LockOptions.builder().leaseTime(SIX)
        .renewInterval(Duration.ofSeconds(2)).commandTimeout(Duration.ofSeconds(1)).withoutCohorting().build());
  }

  @Test
  void aCommandTimeoutTooLongForTheCappedLeaseBecomesTheLongestItAllows() {
    LockOptions seven = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).commandTimeout(Duration.ofSeconds(7))
        .build();
    // lease 9 s, renewal every 3 s: at most 6 s (not the 5 s default the builder alone would derive)
    assertThat(ZooKeeperLockProvider.withinSession(seven, Duration.ofSeconds(9)).commandTimeout())
        .isEqualTo(Duration.ofSeconds(6));
    // lease 6 s, renewal every 2 s: at most 4 s
    assertThat(ZooKeeperLockProvider.withinSession(seven, SIX).commandTimeout()).isEqualTo(Duration.ofSeconds(4));
    // lease 12 s, renewal every 4 s: 7 s fits and is kept
    assertThat(ZooKeeperLockProvider.withinSession(seven, Duration.ofSeconds(12)).commandTimeout())
        .isEqualTo(Duration.ofSeconds(7));
    // renewal off: as if renewed every third of the lease
    LockOptions sevenNoRenewal = LockOptions.builder().leaseTime(Duration.ofSeconds(60))
        .commandTimeout(Duration.ofSeconds(7)).withoutRenewal().build();
    assertThat(ZooKeeperLockProvider.withinSession(sevenNoRenewal, Duration.ofSeconds(9)))
        .isEqualTo(LockOptions.builder().leaseTime(Duration.ofSeconds(9)).commandTimeout(Duration.ofSeconds(6))
            .withoutRenewal().build());
    // a renewal interval of half the capped lease leaves the other half
    LockOptions halfRenewal = LockOptions.builder().leaseTime(Duration.ofSeconds(60))
        .renewInterval(Duration.ofSeconds(3)).build();
    assertThat(ZooKeeperLockProvider.withinSession(halfRenewal, SIX).commandTimeout())
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void optionsWhoseLeaseFitsTheSessionAreKeptAsTheyAre() {
    LockOptions fits = LockOptions.builder().leaseTime(Duration.ofSeconds(4)).renewInterval(Duration.ofMillis(500))
        .withoutCohorting().build();
    assertThat(ZooKeeperLockProvider.withinSession(fits, SIX)).isSameAs(fits);
    assertThat(ZooKeeperLockProvider.withinSession(fits, Duration.ofSeconds(4))).isSameAs(fits);
  }

  @Test
  void aSessionShorterThanTheShortestLeaseGivesTheShortestLease() {
    assertThat(ZooKeeperLockProvider.withinSession(LockOptions.defaults(), Duration.ofMillis(20)).leaseTime())
        .isEqualTo(LockOptions.MIN_LEASE_TIME);
  }

  // ---- against a server that grants less than asked ----

  @Test
  void theLeaseIsCappedAtTheSessionTheServerGrantedNotTheOneAsked() {
    LockOptions asked = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).renewInterval(Duration.ofSeconds(1))
        .commandTimeout(Duration.ofMillis(1500)).namespace("within").withoutCohorting().build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=20s", asked)) {
      assertThat(client.options()).isEqualTo(LockOptions.builder().leaseTime(GRANTED)
          .renewInterval(Duration.ofSeconds(1)).commandTimeout(Duration.ofMillis(1500)).namespace("within")
          .withoutCohorting().build());
      try (Lease lease = client.lock("within/a").tryAcquire().orElseThrow()) {
        assertThat(lease.isValid()).isTrue();
      }
    }
  }

  @Test
  void optionsWithinTheGrantedSessionAreKeptAsTheyAre() {
    LockOptions asked = LockOptions.builder().leaseTime(Duration.ofSeconds(3)).renewInterval(Duration.ofMillis(500))
        .maxLocalHandoffs(3).build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=20s", asked)) {
      assertThat(client.options()).isEqualTo(asked);
    }
  }

  @Test
  void withoutRenewalALeaseEndsOnTheClientsClockWithinTheGrantedSession() {
    LockOptions asked = LockOptions.builder().leaseTime(Duration.ofSeconds(60)).withoutRenewal().build();
    try (LockClient client = ZkFixtures.connect(server.getConnectString(), "/within?sessionTimeout=20s", asked)) {
      assertThat(client.options().renewalEnabled()).isFalse();
      Lease lease = client.lock("within/b").tryAcquire().orElseThrow();
      long won = System.nanoTime();
      // the request that decided the win was sent before tryAcquire returned (on a new lock, the queue read
      // that follows the parents' creation, not the first request), so the lease has ended on the client's
      // clock once the granted session has passed since the return, however late this thread gets to look
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> System.nanoTime() - won >= GRANTED.toNanos());
      assertThat(lease.isValid()).as("a lease without renewal, %s after it was won", GRANTED).isFalse();
    }
  }
}
