package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Jedis driver keeps the connections that its callers used at once for the next commands: many threads
 * locking distinct locks (the common workload: each request locks its own entity) open a connection per thread,
 * not a connection per command. Seen from outside as the server's count of connections it accepted.
 */
class JedisConnectionReuseTest {
  private static final int THREADS = 32;
  private static final int CYCLES = 200;

  @Test
  @Timeout(120)
  void manyThreadsOnDistinctLocksReuseTheirConnections() throws Exception {
    try (RedisServer server = RedisServer.launch();
        LockClient client = Locks.connect(server.uri() + "?driver=jedis", LockOptions.defaults())) {
      // one cycle first, so that the count below holds only what the load opens
      client.lock("reuse/warm").acquire(Duration.ofSeconds(5)).close();
      long before = connectionsAccepted(server);
      CyclicBarrier start = new CyclicBarrier(THREADS);
      ExecutorService threads = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          String name = "reuse/" + t;
          done.add(threads.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            int cycles = 0;
            for (int i = 0; i < CYCLES; i++) {
              try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(10))) {
                assertThat(lease.isValid()).isTrue();
                cycles++;
              }
            }
            return cycles;
          }));
        }
        for (Future<Integer> f : done) {
          assertThat(f.get(90, TimeUnit.SECONDS)).isEqualTo(CYCLES);
        }
      } finally {
        threads.shutdownNow();
      }
      long opened = connectionsAccepted(server) - before;
      assertThat(opened).as("connections the server accepted during %s lock cycles on %s threads",
          THREADS * CYCLES, THREADS).isLessThanOrEqualTo(THREADS + 1); // and the query's own connection
    }
  }

  /** The server's {@code total_connections_received} from {@code INFO stats}, this query's connection included. */
  private static long connectionsAccepted(RedisServer server) {
    try (Resp r = server.resp()) {
      Matcher m = Pattern.compile("total_connections_received:(\\d+)").matcher(r.string("INFO", "stats"));
      assertThat(m.find()).as("INFO stats has total_connections_received").isTrue();
      return Long.parseLong(m.group(1));
    }
  }
}
