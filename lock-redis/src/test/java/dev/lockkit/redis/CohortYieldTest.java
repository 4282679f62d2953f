package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.faults.TcpProxy;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cohorting's bound means what it says across processes: when a client's run of local hand-offs ends with its own
 * threads still queued, a thread of another client that waits for the lock gets it before the first client's next
 * thread. Without that, the releasing client's next acquisition is sent at once, while the other client's waiter
 * still has to hear of the release, and the first client takes the lock back nearly every time. The other client
 * here talks to the server through a proxy that delays every packet: a process on a busier machine or further
 * away, which hears of a release later than the releasing process's own thread, awake, can ask again.
 */
class CohortYieldTest {

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aClientEndingItsRunOfHandOffsLetsAnotherClientsWaiterInBeforeItsOwnNextThread(String driver)
      throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "yield/" + driver + "/" + UUID.randomUUID();
    String channel = LockOptions.defaults().namespace() + ":{" + name + "}:released";
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch aQueuedAgain = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    try (TcpProxy slower = TcpProxy.start(SharedServers.standalone().port());
        LockClient a = Locks.connect(uri, LockOptions.builder().maxLocalHandoffs(1).build());
        LockClient b = Locks.connect("redis://127.0.0.1:" + slower.port() + "?driver=" + driver);
        Resp resp = SharedServers.standalone().resp()) {
      slower.delay(Duration.ofMillis(20));
      DistributedLock lockA = a.lock(name);
      DistributedLock lockB = b.lock(name);
      Lease first = lockA.acquire();

      // another client waits: its first try found the lock held, and it listens for the release
      threads.add(start("b", failure, () -> {
        try (Lease lease = lockB.acquire(Duration.ofSeconds(30))) {
          order.add("b");
        }
      }));
      await().atMost(Duration.ofSeconds(20)).until(() -> subscribers(resp, channel) >= 1);

      // a second thread of the first client queues behind the holder, locally
      Thread second = start("a2", failure, () -> {
        try (Lease lease = lockA.acquire(Duration.ofSeconds(30))) {
          order.add("a2");
          assertThat(aQueuedAgain.await(20, TimeUnit.SECONDS)).isTrue();
        }
      });
      threads.add(second);
      await().atMost(Duration.ofSeconds(20)).until(() -> second.getState() == Thread.State.WAITING);

      first.close(); // the one hand-off allowed: to the second thread
      await().atMost(Duration.ofSeconds(20)).until(() -> order.contains("a2"));

      // the first thread asks again while the second holds: queued locally, awake when the run ends
      Thread again = start("a1-again", failure, () -> {
        try (Lease lease = lockA.acquire(Duration.ofSeconds(30))) {
          order.add("a1-again");
        }
      });
      threads.add(again);
      await().atMost(Duration.ofSeconds(20)).until(() -> again.getState() == Thread.State.WAITING);
      aQueuedAgain.countDown(); // the second thread releases: the run ends, the lock goes back to the server

      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(40));
        assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
      }
      assertThat(failure.get()).isNull();
      assertThat(order).containsExactly("a2", "b", "a1-again");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aWaiterThatNeverComesHoldsTheLockBackOnlyBriefly(String driver) throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "yield-bound/" + driver + "/" + UUID.randomUUID();
    String channel = LockOptions.defaults().namespace() + ":{" + name + "}:released";
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch secondHolds = new CountDownLatch(1);
    CountDownLatch queuedAgain = new CountDownLatch(1);
    try (TcpProxy cutOff = TcpProxy.start(SharedServers.standalone().port());
        LockClient a = Locks.connect(uri, LockOptions.builder().maxLocalHandoffs(1).build());
        LockClient b = Locks.connect("redis://127.0.0.1:" + cutOff.port() + "?driver=" + driver,
            LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build());
        Resp resp = SharedServers.standalone().resp()) {
      DistributedLock lockA = a.lock(name);
      Lease first = lockA.acquire();
      Thread waiter = start("b", failure, () -> {
        try {
          b.lock(name).acquire(Duration.ofSeconds(30)).close();
        } catch (dev.lockkit.LockException expected) {
          // cut off from the server: it never hears of the release
        }
      });
      await().atMost(Duration.ofSeconds(20)).until(() -> subscribers(resp, channel) >= 1);
      cutOff.blackhole(); // the other client's waiter is announced, and will never ask again

      Thread second = start("a2", failure, () -> {
        try (Lease lease = lockA.acquire(Duration.ofSeconds(30))) {
          secondHolds.countDown();
          assertThat(queuedAgain.await(20, TimeUnit.SECONDS)).isTrue();
        }
      });
      await().atMost(Duration.ofSeconds(20)).until(() -> second.getState() == Thread.State.WAITING);
      first.close();
      assertThat(secondHolds.await(20, TimeUnit.SECONDS)).isTrue();
      AtomicReference<Long> tookNanos = new AtomicReference<>();
      long[] releasedAt = new long[1];
      Thread again = start("a1-again", failure, () -> {
        try (Lease lease = lockA.acquire(Duration.ofSeconds(30))) {
          tookNanos.set(System.nanoTime() - releasedAt[0]);
        }
      });
      await().atMost(Duration.ofSeconds(20)).until(() -> again.getState() == Thread.State.WAITING);
      releasedAt[0] = System.nanoTime();
      queuedAgain.countDown(); // the run ends; the announced waiter cannot come

      again.join(TimeUnit.SECONDS.toMillis(20));
      second.join(TimeUnit.SECONDS.toMillis(20));
      assertThat(failure.get()).isNull();
      // the yield lasts a fraction of a second (plus the hand-back's round trips on a busy machine), not the
      // announcement's life (the lease time left plus its slack)
      assertThat(tookNanos.get()).as("nanoseconds from the end of the run to the next holder").isNotNull()
          .isLessThan(TimeUnit.SECONDS.toNanos(3));
      a.close();
      cutOff.pass();
      waiter.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  private static long subscribers(Resp resp, String channel) {
    List<?> reply = (List<?>) resp.call("PUBSUB", "NUMSUB", channel);
    return ((Number) reply.get(1)).longValue();
  }

  private interface Body {
    void run() throws Exception;
  }

  private static Thread start(String name, AtomicReference<Throwable> failure, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    }, "yield-test-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
