package dev.lockkit.micrometer;

import static dev.lockkit.micrometer.LockObservationsTest.WAIT;
import static dev.lockkit.micrometer.LockObservationsTest.acquisitions;
import static dev.lockkit.micrometer.LockObservationsTest.gauge;
import static dev.lockkit.micrometer.LockObservationsTest.leases;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The meters of {@link LockObservations} on a real ZooKeeper server (in process). */
@Timeout(120)
class ZooKeeperObservationsTest {

  @Test
  void countsAcquisitionsHoldingsAndHandOffsOnZooKeeper() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ExecutorService threads = Executors.newCachedThreadPool();
    try (TestingServer server = new TestingServer(true)) {
      URI uri = URI.create("zookeeper://" + server.getConnectString() + "/metrics");
      try (LockClient client = Locks.connect(uri, LockOptions.builder().namespace("zk")
              .observer(LockObservations.of(meters)).build());
          LockClient other = Locks.connect(uri, LockOptions.builder().namespace("zk").build())) {
        client.lock("plain").acquire(WAIT).close();

        try (Lease foreign = other.lock("taken").acquire(WAIT)) {
          assertThat(foreign.isValid()).isTrue();
          assertThat(client.lock("taken").tryAcquire(java.time.Duration.ofMillis(200))).isEmpty();
        }

        DistributedLock passed = client.lock("passed");
        Lease first = passed.acquire(WAIT);
        ConcurrentLinkedQueue<Thread> queued = new ConcurrentLinkedQueue<>();
        Future<Long> next = threads.submit(() -> {
          queued.add(Thread.currentThread());
          try (Lease lease = passed.acquire(WAIT)) {
            return lease.fencingToken();
          }
        });
        await().atMost(WAIT).until(() -> LockObservationsTest.waitingInLine(queued, 1));
        assertThat(gauge(meters, LockObservations.LEASES_HELD)).isEqualTo(1);
        assertThat(gauge(meters, LockObservations.WAITING)).isEqualTo(1);
        long firstToken = first.fencingToken();
        first.close();
        assertThat(next.get(20, TimeUnit.SECONDS)).isEqualTo(firstToken + 1); // passed on, not acquired anew
      }
    } finally {
      threads.shutdownNow();
      assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    }

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(acquisitions(meters, "acquired")).isEqualTo(3);
      assertThat(gauge(meters, LockObservations.WAITING)).isZero();
    });
    assertThat(acquisitions(meters, "timeout")).isEqualTo(1);
    assertThat(leases(meters, "released")).isEqualTo(3);
    assertThat(leases(meters, "lost")).isZero();
    assertThat(meters.get(LockObservations.HANDOFFS).counter().count()).isEqualTo(1);
    assertThat(gauge(meters, LockObservations.LEASES_HELD)).isZero();
    assertThat(meters.get(LockObservations.ACQUIRE).timer().getId().getTag(LockObservations.BACKEND))
        .isEqualTo("zookeeper");
    meters.close();
  }
}
