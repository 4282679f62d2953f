package dev.lockkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service that locks {@code orders/<id>} for a million ids keeps nothing of them once they are released: the
 * client drops a name's state when nothing uses it, and the in-memory store drops a fence after its retention,
 * as Redis drops an idle fence key. Measured by the heap, through the public API only. Run alone with
 * {@code ./mvnw -pl lock-api test -Dtest=ManyNamesTest}; it logs the figures.
 */
class ManyNamesTest {
  private static final Logger log = LoggerFactory.getLogger(ManyNamesTest.class);
  private static final int NAMES = Integer.getInteger("lockkit.manyNames", 1_000_000);
  /** "Within a few MB": the heap after the run may exceed the heap before by this much. */
  private static final long ALLOWED_GROWTH = 16L << 20;

  @Test
  void lockingAMillionDistinctNamesLeavesTheHeapWhereItWas() throws Exception {
    try (LockClient client = Locks.connect("memory:many-names?fenceRetention=PT2S")) {
      // one name first, so that the classes and the client's threads are part of the baseline
      client.lock("orders/warm-up").acquire(Duration.ofSeconds(5)).close();
      long before = usedHeapAfterGc();
      long start = System.nanoTime();
      for (int i = 0; i < NAMES; i++) {
        try (Lease lease = client.lock("orders/" + i).acquire(Duration.ofSeconds(5))) {
          assertThat(lease.fencingToken()).isPositive();
        }
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      long justAfter = usedHeapAfterGc();
      // the store drops idle fences when next used after their retention, as Redis expires them
      AtomicLong after = new AtomicLong();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
        client.lock("orders/probe").acquire(Duration.ofSeconds(5)).close();
        after.set(usedHeapAfterGc());
        return after.get() - before < ALLOWED_GROWTH;
      });
      log.info("{} distinct names locked and released in {}: heap {} MB before, {} MB right after (fences "
              + "within their retention), {} MB once the fences' retention passed", NAMES, took, before >> 20,
          justAfter >> 20, after.get() >> 20);
      assertThat(after.get() - before).as("heap growth after %s names", NAMES).isLessThan(ALLOWED_GROWTH);
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
