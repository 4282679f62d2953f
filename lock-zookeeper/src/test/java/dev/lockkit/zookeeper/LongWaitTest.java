package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A waiter that waited longer than its own lease time: its lease starts when the queue read that found it first
 * was sent, not when it began to wait, so it gets the lock as its turn comes and holds a valid lease.
 */
class LongWaitTest {
  private static final Duration LEASE = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private TestingServer server;
  private LockClient holder;
  private LockClient waiter;
  private LockClient next;
  private CuratorFramework observer;

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
    holder = ZkFixtures.connect(server.getConnectString(), "/long", LockOptions.defaults());
    waiter = ZkFixtures.connect(server.getConnectString(), "/long", LockOptions.builder().leaseTime(LEASE).build());
    next = ZkFixtures.connect(server.getConnectString(), "/long", LockOptions.defaults());
    observer = RawClient.connect(server.getConnectString());
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {holder, waiter, next, observer, server}) {
      if (c != null) {
        try {
          c.close();
        } catch (RuntimeException e) {
          // a failed test may leave a lease that cannot be released
        }
      }
    }
  }

  @Test
  void aWaiterThatWaitedLongerThanItsLeaseTimeGetsTheLockInTurnAndHoldsAValidLease() throws Exception {
    String name = "queue";
    Lease first = holder.lock(name).acquire(WAIT);
    long waitStart = System.nanoTime();
    CompletableFuture<Lease> late = waiter.lock(name).acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queueLength(name) == 2);
    // queued behind the waiter: it would win if the waiter's grant were refused as too late and it queued again
    CompletableFuture<Lease> third = next.lock(name).acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queueLength(name) == 3);
    await().atMost(WAIT).until(() -> System.nanoTime() - waitStart > LEASE.multipliedBy(5).dividedBy(2).toNanos());
    assertThat(late).isNotDone();

    first.close();
    Lease lease = late.get(5, TimeUnit.SECONDS);
    assertThat(lease.isValid()).as("valid as granted").isTrue();
    // renewed: valid for more than one more lease time, while the next waiter waits its turn
    await().during(LEASE.multipliedBy(3).dividedBy(2)).atMost(LEASE.multipliedBy(3)).until(lease::isValid);
    assertThat(third).isNotDone();
    lease.close();
    third.get(WAIT.toSeconds(), TimeUnit.SECONDS).close();
  }

  private int queueLength(String name) {
    try {
      return observer.getChildren().forPath("/long/lockkit/" + name).size();
    } catch (Exception e) {
      return -1;
    }
  }
}
