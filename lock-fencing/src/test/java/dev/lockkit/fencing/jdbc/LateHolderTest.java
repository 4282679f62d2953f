package dev.lockkit.fencing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.fencing.FencedWriteRejectedException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first example end to end, through the public API: a holder that paused past its lease (no
 * renewal, the lease ran out) writes after the next holder did, and the fenced write turns it away.
 */
class LateHolderTest {
  private static Database db;

  @BeforeAll
  static void open() throws Exception {
    db = Database.h2("late_holder");
    db.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR(20), fence BIGINT NOT NULL)");
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aHolderWhoseLeaseRanOutIsRefusedAfterTheNextHolderWrote() throws Exception {
    FencedTable orders = FencedTable.builder().table("orders").idColumn("id").valueColumns("status").build();
    LockOptions shortLease = LockOptions.builder().leaseTime(Duration.ofMillis(300)).withoutRenewal().build();
    try (LockClient first = Locks.connect("memory:late-holder", shortLease);
         LockClient second = Locks.connect("memory:late-holder");
         Connection c = db.connect()) {
      Lease paused = first.lock("orders/42").acquire(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> !paused.isValid());   // the "pause": the lease ran out

      try (Lease next = second.lock("orders/42").acquire(Duration.ofSeconds(5))) {
        assertThat(next.fencingToken()).isGreaterThan(paused.fencingToken());
        orders.upsertOrThrow(c, 42L, next.fencingToken(), "PAID");
      }
      assertThatThrownBy(() -> orders.upsertOrThrow(c, 42L, paused.fencingToken(), "CANCELLED"))
          .isInstanceOf(FencedWriteRejectedException.class);
      assertThat(orders.update(c, 42L, paused.fencingToken(), "CANCELLED")).isFalse();

      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT status FROM orders WHERE id = 42")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("PAID");
      }
      paused.release();
    }
  }
}
