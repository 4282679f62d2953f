package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acquisitions racing the server's reaper of empty container parents: a parent may vanish between Curator
 * finding it and creating the levels below it. None of them may fail for that.
 */
class ContainerChurnTest {
  private static final int ROUNDS = 150;
  private static TestingServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZkFixtures.startServer(Map.of("znode.container.checkIntervalMs", "5"));
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void acquisitionsSurviveParentsReapedUnderThem() throws Exception {
    List<Throwable> failures = race(4, (client, worker, i) -> {
      try (Lease lease = client.lock("shared/w" + worker + "/n" + i).acquire(Duration.ofSeconds(20))) {
        assertThat(lease.isValid()).isTrue();
      }
    });
    assertThat(failures).isEmpty();
  }

  /**
   * Clients taking a few locks again and again, each often alone (so its next create alone may decide), while
   * the server reaps their parents whenever they are empty for a moment: no two may ever hold one lock.
   */
  @Test
  void quickReacquisitionsNeverOverlapWhileParentsAreReaped() throws Exception {
    String[] names = {"hot/a", "hot/b"};
    Map<String, AtomicInteger> holders = new ConcurrentHashMap<>();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger held = new AtomicInteger();
    List<Throwable> failures = race(3, (client, worker, i) -> {
      // runs of the same name, so that a client often takes a lock it has just released
      String name = names[(i / 10 + worker) % names.length];
      try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(20))) {
        AtomicInteger inside = holders.computeIfAbsent(name, n -> new AtomicInteger());
        if (inside.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        held.incrementAndGet();
        LockSupport.parkNanos(200_000); // a critical section long enough for a second holder to show
        inside.decrementAndGet();
      }
    });
    assertThat(failures).isEmpty();
    assertThat(held).hasValue(3 * ROUNDS);
    assertThat(overlaps).hasValue(0);
  }

  /** One step of one worker: its own client, its number, the round. */
  @FunctionalInterface
  private interface Step {
    void run(LockClient client, int worker, int round) throws Exception;
  }

  /** Runs {@code workers} workers, each with a client of its own, {@link #ROUNDS} steps each; their failures. */
  private static List<Throwable> race(int workers, Step step) throws Exception {
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<LockClient> clients = new ArrayList<>();
    List<CompletableFuture<?>> running = new ArrayList<>();
    try {
      for (int w = 0; w < workers; w++) {
        LockClient client = ZkFixtures.connect(server.getConnectString(), "/churn", LockOptions.defaults());
        clients.add(client);
        int worker = w;
        running.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < ROUNDS; i++) {
            try {
              step.run(client, worker, i);
            } catch (Throwable t) {
              failures.add(t);
            }
          }
        }));
      }
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    } finally {
      clients.forEach(LockClient::close);
    }
    return new ArrayList<>(failures);
  }
}
