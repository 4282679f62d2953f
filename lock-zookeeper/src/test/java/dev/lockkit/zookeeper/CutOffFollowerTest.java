package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A holder connected to a follower that is cut off from the leader: the leader expires the holder's session
 * and another client takes the lock, while the follower, not yet aware, still answers reads with the holder's
 * node in place. Renewal goes through the leader, so the holder's lease runs out instead of being extended.
 */
class CutOffFollowerTest {
  private static final Duration SESSION = Duration.ofSeconds(2);
  private static final LockOptions HOLDER_OPTIONS = LockOptions.builder().leaseTime(SESSION).build();
  private SplittableEnsemble ensemble;
  private final List<LockClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    ensemble = SplittableEnsemble.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (LockClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // a lost lease cannot be released
      }
    }
    if (ensemble != null) {
      ensemble.close();
    }
  }

  private LockClient connect(String connectString, String query, LockOptions options) {
    LockClient c = new ZooKeeperLockProvider().connect(URI.create("zookeeper://" + connectString + "/cut" + query),
        options, backend -> {});
    clients.add(c);
    return c;
  }

  @Test
  void aFollowerCutOffFromTheLeaderCannotKeepALeaseAliveThatTheLeaderEnded() throws Exception {
    InstanceSpec follower = ensemble.follower();
    LockClient holder = connect(SplittableEnsemble.connectString(List.of(follower)), "?sessionTimeout=2s",
        HOLDER_OPTIONS);
    LockClient other = connect(ensemble.connectStringWithout(follower), "?sessionTimeout=5s",
        LockOptions.builder().leaseTime(Duration.ofSeconds(5)).build());
    Lease lease = holder.lock("cut").acquire(Duration.ofSeconds(10));
    AtomicReference<LockLostException> told = new AtomicReference<>();
    lease.onLost(told::set);
    // renewals have gone through (the lease outlives its first lease time), then the follower is cut off
    await().during(SESSION.multipliedBy(3).dividedBy(2)).atMost(SESSION.multipliedBy(3)).until(lease::isValid);

    ensemble.isolate(follower);
    long cut = System.nanoTime();
    // the leader expires the holder's session (its pings stay with the follower) and deletes its node
    try (Lease taken = other.lock("cut").acquire(SplittableEnsemble.FOLLOWER_GIVES_UP)) {
      boolean holderStillValid = lease.isValid();
      Duration after = Duration.ofNanos(System.nanoTime() - cut);
      assertThat(after).as("taken while the cut-off follower still serves its clients")
          .isLessThan(SplittableEnsemble.FOLLOWER_GIVES_UP);
      assertThat(holderStillValid).as("the holder's lease is valid as another client holds the lock, %s after the "
          + "cut", after).isFalse();
      assertThat(taken.isValid()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> told.get() != null);
    ensemble.heal(follower);
  }
}
