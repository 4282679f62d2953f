package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
  private static final String INTERVAL = "znode.container.checkIntervalMs";
  private static TestingServer server;

  @BeforeAll
  static void startServer() throws Exception {
    String before = System.getProperty(INTERVAL);
    System.setProperty(INTERVAL, "5"); // read once, when the server starts
    try {
      server = new TestingServer(true);
    } finally {
      if (before == null) {
        System.clearProperty(INTERVAL);
      } else {
        System.setProperty(INTERVAL, before);
      }
    }
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void acquisitionsSurviveParentsReapedUnderThem() throws Exception {
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<LockClient> clients = new ArrayList<>();
    List<CompletableFuture<?>> workers = new ArrayList<>();
    try {
      for (int w = 0; w < 4; w++) {
        LockClient client = ZkFixtures.connect(server.getConnectString(), "/churn", LockOptions.defaults());
        clients.add(client);
        int worker = w;
        workers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 150; i++) {
            try (Lease lease = client.lock("shared/w" + worker + "/n" + i).acquire(Duration.ofSeconds(20))) {
              assertThat(lease.isValid()).isTrue();
            } catch (Throwable t) {
              failures.add(t);
            }
          }
        }));
      }
      CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    } finally {
      clients.forEach(LockClient::close);
    }
    assertThat(failures).isEmpty();
  }
}
