package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fence keys expire once their name has not been locked for the fence retention, so that a service locking
 * entity names does not grow the server without bound; tokens keep growing across an expired fence key, since
 * the next one falls back on the server's clock.
 */
class FenceRetentionTest {
  private static final Logger log = LoggerFactory.getLogger(FenceRetentionTest.class);
  /** Names locked by the key-count test; {@code -Dlockkit.redis.manyNames=1000000} for the full measurement. */
  private static final int NAMES = Integer.getInteger("lockkit.redis.manyNames", 20_000);
  /** Their fence retention; longer than the run ({@code -Dlockkit.redis.manyNamesRetention=PT150S}) keeps all. */
  private static final Duration RETENTION =
      Duration.parse(System.getProperty("lockkit.redis.manyNamesRetention", "PT2S"));

  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void tokensKeepGrowingAcrossAnExpiredFenceKey(String driver) throws Exception {
    String name = "retention/" + driver;
    String fence = "lockkit:{" + name + "}:fence";
    try (LockClient client = Locks.connect(server.uri() + "?driver=" + driver + "&fenceRetention=PT1S")) {
      long first;
      try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(5))) {
        first = lease.fencingToken();
      }
      try (Resp r = server.resp()) {
        assertThat((Long) r.call("PTTL", fence)).as("the fence key's time to live").isBetween(1L, 1000L);
      }
      await("fence key expired").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
        try (Resp r = server.resp()) {
          return Long.valueOf(0).equals(r.call("EXISTS", fence));
        }
      });
      try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(5))) {
        assertThat(lease.fencingToken()).as("the token after the fence key expired").isGreaterThan(first);
      }
    }
  }

  /**
   * A fence ahead of the server's clock (a clock that stepped back since it was written) is the floor: the next
   * tokens are one above it, not the clock. A lease's token is its fence times 1,024 (cohorting's hand-off count
   * in the low bits).
   */
  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void aFenceAheadOfTheClockGrowsByOne(String driver) throws Exception {
    String name = "ahead/" + driver;
    String fence = "lockkit:{" + name + "}:fence";
    long ahead = (System.currentTimeMillis() + Duration.ofDays(365).toMillis()) * 1000;
    try (Resp r = server.resp()) {
      assertThat(r.call("SET", fence, Long.toString(ahead))).isEqualTo("OK");
    }
    try (LockClient client = Locks.connect(server.uri() + "?driver=" + driver)) {
      for (int i = 1; i <= 2; i++) {
        try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(5))) {
          assertThat(lease.fencingToken()).as("token %d", i).isEqualTo((ahead + i) * 1024);
        }
      }
      try (Resp r = server.resp()) {
        assertThat(r.call("GET", fence)).isEqualTo(Long.toString(ahead + 2));
        assertThat((Long) r.call("PTTL", fence)).as("the fence key's time to live").isPositive();
      }
    }
  }

  /**
   * The fence key holds the token handed out (the lease's token over 1,024), whatever the microseconds of the
   * server's clock: the script writes them padded to six digits, so acquisitions go on until one fell within the
   * first tenth of a second.
   */
  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  @Timeout(60)
  void theFenceKeyHoldsTheTokenHandedOutAlsoInASecondsFirstTenth(String driver) throws Exception {
    String name = "padded/" + driver;
    String fence = "lockkit:{" + name + "}:fence";
    try (LockClient client = Locks.connect(server.uri() + "?driver=" + driver);
        Resp r = server.resp()) {
      boolean firstTenth = false;
      // past two seconds, the acquisitions (each well under a tenth of a second) have crossed a first tenth
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      for (int i = 0; !firstTenth && System.nanoTime() - until < 0; i++) {
        long token;
        try (Lease lease = client.lock(name).acquire(Duration.ofSeconds(5))) {
          token = lease.fencingToken() / 1024;
        }
        assertThat(r.call("GET", fence)).as("the fence key after acquisition %d", i).isEqualTo(Long.toString(token));
        firstTenth = token % 1_000_000 < 100_000;
      }
      assertThat(firstTenth).as("an acquisition within a second's first tenth").isTrue();
    }
  }

  @Test
  @Timeout(60)
  void theDefaultRetentionIsOneHour() throws Exception {
    String name = "retention/default";
    try (LockClient client = Locks.connect(server.uri())) {
      client.lock(name).acquire(Duration.ofSeconds(5)).close();
      try (Resp r = server.resp()) {
        assertThat((Long) r.call("PTTL", "lockkit:{" + name + "}:fence"))
            .isBetween(Duration.ofMinutes(59).toMillis(), Duration.ofHours(1).toMillis());
      }
    }
  }

  @Test
  @Timeout(900)
  void theKeysOfManyNamesGoOnceTheirRetentionHasPassed() throws Exception {
    try (RedisServer own = RedisServer.launch();
         LockClient client = Locks.connect(own.uri() + "?fenceRetention=" + RETENTION,
             LockOptions.builder().namespace("many").build())) {
      long baseline = dbsize(own);
      long start = System.nanoTime();
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int offset = t;
          done.add(pool.submit(() -> {
            for (int i = offset; i < NAMES; i += threads) {
              Optional<Lease> lease = client.lock("orders/" + i).tryAcquire();
              assertThat(lease).as("a free name is taken at once").isPresent();
              lease.get().close();
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(500, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      long locked = System.nanoTime();
      long peak = dbsize(own);
      String memory = usedMemory(own);
      assertThat(peak).as("fence keys of the names just locked").isGreaterThan(baseline);
      await("key count back to its baseline").atMost(RETENTION.plusSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> dbsize(own) <= baseline);
      log.info("{} names locked and released in {} ms: {} keys before, {} just after ({}), {} again {} ms after "
          + "the last release ({})", NAMES, TimeUnit.NANOSECONDS.toMillis(locked - start), baseline, peak, memory,
          dbsize(own), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - locked), usedMemory(own));
    }
  }

  @Test
  void aRetentionOutOfBoundsIsRefusedNamingTheOption() {
    for (String bad : new String[] {"PT0.5S", "P4000D", "soon", "-PT1H"}) {
      assertThatThrownBy(() -> Locks.connect("redis://127.0.0.1:1?fenceRetention=" + bad))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fenceRetention");
    }
  }

  private static long dbsize(RedisServer s) {
    try (Resp r = s.resp()) {
      return (Long) r.call("DBSIZE");
    }
  }

  private static String usedMemory(RedisServer s) {
    try (Resp r = s.resp()) {
      return r.string("INFO", "memory").lines().filter(l -> l.startsWith("used_memory_human:")).findFirst()
          .orElse("used_memory_human:?");
    }
  }
}
