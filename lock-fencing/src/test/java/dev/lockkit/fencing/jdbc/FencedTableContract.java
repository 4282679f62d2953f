package dev.lockkit.fencing.jdbc;

import static dev.lockkit.fencing.jdbc.Transactions.inTransaction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.fencing.FencedWriteRejectedException;
import dev.lockkit.fencing.FencingException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** {@link FencedTable} on a real database; each subclass supplies one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class FencedTableContract {
  static final long TWO_TO_53 = 9007199254740992L;

  private Database db;
  private final FencedTable orders = FencedTable.builder().table("orders").idColumn("id")
      .valueColumns("status", "total").build();

  abstract Database openDatabase();

  @BeforeAll
  void start() {
    db = openDatabase();
  }

  @AfterAll
  void stop() {
    db.close();
  }

  @BeforeEach
  void freshTable() throws SQLException {
    db.execute("DROP TABLE IF EXISTS orders",
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR(64), total BIGINT, fence BIGINT NOT NULL)");
  }

  @Test
  void upsertInsertsTheFirstWriteWithItsToken() throws SQLException {
    assertThat(upsert(42, 7, "new", 10L)).isTrue();
    assertThat(row(42)).isEqualTo(new Row("new", 10L, 7));
  }

  @Test
  void aHigherTokenOverwritesByUpsertAndByUpdate() throws SQLException {
    upsert(42, 7, "new", 10L);
    assertThat(upsert(42, 8, "paid", 11L)).isTrue();
    assertThat(update(42, 9, "shipped", 12L)).isTrue();
    assertThat(row(42)).isEqualTo(new Row("shipped", 12L, 9));
  }

  @Test
  void aLateWriterWithAnOlderTokenIsRejected() throws SQLException {
    upsert(42, 9, "shipped", 12L);
    assertThat(upsert(42, 8, "late", 0L)).isFalse();
    assertThat(update(42, 8, "late", 0L)).isFalse();
    assertThat(row(42)).isEqualTo(new Row("shipped", 12L, 9));
  }

  @Test
  void theSameTokenCannotWriteTwice() throws SQLException {
    upsert(42, 9, "shipped", 12L);
    assertThat(upsert(42, 9, "again", 1L)).isFalse();
    assertThat(update(42, 9, "again", 1L)).isFalse();
    assertThat(row(42)).isEqualTo(new Row("shipped", 12L, 9));
  }

  @Test
  void tokensAroundTwoToThe53AreOrderedExactly() throws SQLException {
    upsert(1, TWO_TO_53 + 1, "newer", 1L);
    assertThat(upsert(1, TWO_TO_53, "older", 2L)).isFalse();
    assertThat(row(1)).isEqualTo(new Row("newer", 1L, TWO_TO_53 + 1));
    upsert(2, TWO_TO_53, "older", 1L);
    assertThat(update(2, TWO_TO_53 + 1, "newer", 2L)).isTrue();
    assertThat(row(2)).isEqualTo(new Row("newer", 2L, TWO_TO_53 + 1));
  }

  @Test
  void longMaxValueIsTheLastTokenThatWrites() throws SQLException {
    assertThat(upsert(1, Long.MAX_VALUE - 1, "a", 1L)).isTrue();
    assertThat(upsert(1, Long.MAX_VALUE, "b", 2L)).isTrue();
    assertThat(upsert(1, Long.MAX_VALUE - 1, "c", 3L)).isFalse();
    assertThat(row(1)).isEqualTo(new Row("b", 2L, Long.MAX_VALUE));
  }

  @Test
  void updateWritesNoMissingRow() throws SQLException {
    assertThat(update(5, 3, "ghost", 1L)).isFalse();
    assertThat(rowOrNull(5)).isNull();
  }

  @Test
  void nullValuesAreWrittenAsSqlNull() throws SQLException {
    upsert(1, 1, "x", 1L);
    assertThat(upsert(1, 2, null, null)).isTrue();
    assertThat(row(1)).isEqualTo(new Row(null, null, 2));
  }

  @Test
  void theOrThrowVariantsNameTableIdTokenAndTheNewerFence() throws SQLException {
    upsert(42, 9, "shipped", 12L);
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> orders.upsertOrThrow(c, 42L, 8, "late", 0L))
          .isInstanceOfSatisfying(FencedWriteRejectedException.class, e -> {
            assertThat(e.target()).isEqualTo("orders");
            assertThat(e.id()).isEqualTo("42");
            assertThat(e.token()).isEqualTo(8);
            assertThat(e.storedFence()).isEqualTo(OptionalLong.of(9));
          })
          .hasMessageContaining("orders").hasMessageContaining("id=42").hasMessageContaining("token 8")
          .hasMessageContaining("newer lease holder");
      assertThatThrownBy(() -> orders.updateOrThrow(c, 43L, 8, "x", 0L))
          .isInstanceOfSatisfying(FencedWriteRejectedException.class,
              e -> assertThat(e.storedFence()).isEmpty())
          .hasMessageContaining("no row has this id");
      orders.updateOrThrow(c, 42L, 10, "delivered", 12L);
      assertThat(orders.fence(c, 42L)).hasValue(10);
    }
  }

  @Test
  void badArgumentsAreRefusedBeforeAnythingIsSent() throws SQLException {
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> orders.upsert(c, 1L, 0, "a", 1L)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("token must be positive");
      assertThatThrownBy(() -> orders.update(c, 1L, -5, "a", 1L)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("token must be positive");
      assertThatThrownBy(() -> orders.upsert(c, 1L, 1, "a")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("values: 1 given").hasMessageContaining("[status, total]");
      assertThatThrownBy(() -> orders.update(c, 1L, 1, "a", 1L, 2L)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("values: 3 given");
      assertThatThrownBy(() -> orders.upsert(c, nullId(), 1, "a", 1L)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("id must not be null");
    }
    assertThat(rowOrNull(1)).isNull();
  }

  @Test
  void aSchemaQualifiedTableIsWrittenWithTheGeneratedSql() throws SQLException {
    db.execute("CREATE SCHEMA IF NOT EXISTS shop", "DROP TABLE IF EXISTS shop.items",
        "CREATE TABLE shop.items (sku VARCHAR(32) PRIMARY KEY, qty INT, version_fence BIGINT NOT NULL)");
    FencedTable items = FencedTable.builder().table("shop.items").idColumn("sku").fenceColumn("version_fence")
        .valueColumns("qty").dialect(db.dialect()).build();
    assertThat(items.updateSql())
        .isEqualTo("UPDATE shop.items SET qty = ?, version_fence = ? WHERE sku = ? AND version_fence < ?");
    String expectedUpsert = db.dialect() == SqlDialect.POSTGRESQL
        ? "INSERT INTO shop.items AS t (sku, qty, version_fence) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET "
            + "qty = EXCLUDED.qty, version_fence = EXCLUDED.version_fence WHERE t.version_fence < "
            + "EXCLUDED.version_fence"
        : "MERGE INTO shop.items AS t USING (VALUES (?, ?, ?)) AS s(sku, qty, version_fence) ON t.sku = s.sku "
            + "WHEN MATCHED AND t.version_fence < s.version_fence THEN UPDATE SET qty = s.qty, version_fence = "
            + "s.version_fence WHEN NOT MATCHED THEN INSERT (sku, qty, version_fence) VALUES (s.sku, s.qty, "
            + "s.version_fence)";
    assertThat(items.upsertSql(db.dialect())).isEqualTo(expectedUpsert);
    try (Connection c = db.connect()) {
      assertThat(items.upsert(c, "sku-1", 5, 3)).isTrue();
      assertThat(items.upsert(c, "sku-1", 4, 99)).isFalse();
      assertThat(items.update(c, "sku-1", 6, 2)).isTrue();
      assertThat(items.fence(c, "sku-1")).hasValue(6);
    }
  }

  @Test
  void aMissingTableFailsWithTheSqlState() throws SQLException {
    FencedTable missing = FencedTable.builder().table("no_such_table").idColumn("id").valueColumns("v").build();
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> missing.update(c, 1L, 1, "x"))
          .isInstanceOfSatisfying(FencingException.class,
              e -> assertThat(e.sqlState()).isEqualTo(db.dialect() == SqlDialect.POSTGRESQL ? "42P01" : "42S02"))
          .hasMessageContaining("no_such_table");
    }
  }

  @Test
  void concurrentWritersInSeparateTransactionsLeaveTheHighestTokensRow() throws Exception {
    Random random = new Random(7);
    TreeSet<Long> distinct = new TreeSet<>();
    while (distinct.size() < 160) {
      distinct.add(TWO_TO_53 - 80 + random.nextInt(160)); // dense around 2^53, where doubles collide
    }
    List<Long> tokens = new ArrayList<>(distinct);
    Collections.shuffle(tokens, random);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        List<Long> mine = tokens.subList(t * 20, t * 20 + 20);
        results.add(pool.submit(() -> {
          go.await();
          int accepted = 0;
          for (long token : mine) {
            boolean written = inTransaction(db, c -> token % 3 == 0
                ? orders.update(c, 1L, token, "v" + token, token % 1000)
                : orders.upsert(c, 1L, token, "v" + token, token % 1000));
            accepted += written ? 1 : 0;
          }
          return accepted;
        }));
      }
      go.countDown();
      int accepted = 0;
      for (Future<Integer> f : results) {
        accepted += f.get(100, TimeUnit.SECONDS);
      }
      long max = distinct.last();
      assertThat(row(1)).isEqualTo(new Row("v" + max, max % 1000, max));
      assertThat(accepted).isBetween(1, 160);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Object nullId() {
    return null;
  }

  private boolean upsert(long id, long token, String status, Long total) throws SQLException {
    try (Connection c = db.connect()) {
      return orders.upsert(c, id, token, status, total);
    }
  }

  private boolean update(long id, long token, String status, Long total) throws SQLException {
    try (Connection c = db.connect()) {
      return orders.update(c, id, token, status, total);
    }
  }

  record Row(String status, Long total, long fence) {}

  private Row row(long id) throws SQLException {
    Row r = rowOrNull(id);
    assertThat(r).as("row %s", id).isNotNull();
    return r;
  }

  private Row rowOrNull(long id) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement("SELECT status, total, fence FROM orders WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        long total = rs.getLong(2);
        return new Row(rs.getString(1), rs.wasNull() ? null : total, rs.getLong(3));
      }
    }
  }
}
