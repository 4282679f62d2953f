package dev.lockkit.fencing.jdbc;

import static dev.lockkit.fencing.jdbc.Transactions.inTransaction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.fencing.FencedWriteRejectedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
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

/** {@link Fences} on a real database; each subclass supplies one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class FencesContract {
  static final long TWO_TO_53 = 9007199254740992L;

  private Database db;
  private final Fences fences = Fences.standard();

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
  void freshTables() throws SQLException {
    db.execute("DROP TABLE IF EXISTS lockkit_fence", "DROP TABLE IF EXISTS ledger",
        "CREATE TABLE ledger (id BIGINT PRIMARY KEY, writer BIGINT NOT NULL)");
    try (Connection c = db.connect()) {
      fences.createTableIfMissing(c);
      fences.createTableIfMissing(c); // twice: "if missing"
    }
  }

  @Test
  void theFirstAdvanceInsertsTheFence() throws SQLException {
    assertThat(advance("orders/42", 5)).isTrue();
    assertThat(current("orders/42")).hasValue(5);
    assertThat(current("orders/43")).isEmpty();
  }

  @Test
  void aHigherTokenAdvancesAndALowerOrEqualOneIsRejected() throws SQLException {
    advance("orders/42", 5);
    assertThat(advance("orders/42", 6)).isTrue();
    assertThat(advance("orders/42", 6)).isFalse();
    assertThat(advance("orders/42", 4)).isFalse();
    assertThat(current("orders/42")).hasValue(6);
  }

  @Test
  void tokensAroundTwoToThe53AreOrderedExactly() throws SQLException {
    advance("a", TWO_TO_53);
    assertThat(advance("a", TWO_TO_53 + 1)).isTrue();
    assertThat(advance("a", TWO_TO_53)).isFalse();
    assertThat(current("a")).hasValue(TWO_TO_53 + 1);
  }

  @Test
  void longMaxValueAdvancesAndThenNothingDoes() throws SQLException {
    assertThat(advance("a", Long.MAX_VALUE)).isTrue();
    assertThat(advance("a", Long.MAX_VALUE - 1)).isFalse();
    assertThat(advance("a", Long.MAX_VALUE)).isFalse();
  }

  @Test
  void aRejectedAdvanceFollowedByRollbackUndoesTheTransactionsOtherWrites() throws SQLException {
    advance("orders/42", 10);
    boolean committed = inTransaction(db, c -> {
      insertLedger(c, 1, 9);                   // written before the fence is checked, on purpose
      return fences.advance(c, "orders/42", 9); // false: rolled back
    });
    assertThat(committed).isFalse();
    assertThat(ledger(1)).isEmpty();
    assertThat(current("orders/42")).hasValue(10);
  }

  @Test
  void anAdvanceThatRollsBackLeavesTheFenceWhereItWas() throws SQLException {
    advance("orders/42", 10);
    inTransaction(db, c -> {
      assertThat(fences.advance(c, "orders/42", 11)).isTrue();
      return false;
    });
    assertThat(current("orders/42")).hasValue(10);
    assertThat(advance("orders/42", 11)).isTrue();
  }

  @Test
  void advanceOrThrowNamesResourceTokenAndStoredFence() throws SQLException {
    advance("orders/42", 10);
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> fences.advanceOrThrow(c, "orders/42", 7))
          .isInstanceOfSatisfying(FencedWriteRejectedException.class, e -> {
            assertThat(e.target()).isEqualTo("lockkit_fence");
            assertThat(e.id()).isEqualTo("orders/42");
            assertThat(e.token()).isEqualTo(7);
            assertThat(e.storedFence()).isEqualTo(OptionalLong.of(10));
          })
          .hasMessageContaining("'orders/42'").hasMessageContaining("to 7").hasMessageContaining("newer");
      fences.advanceOrThrow(c, "orders/42", 11);
    }
    assertThat(current("orders/42")).hasValue(11);
  }

  @Test
  void badArgumentsAreRefused() throws SQLException {
    try (Connection c = db.connect()) {
      assertThatThrownBy(() -> fences.advance(c, "r", 0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("token must be positive");
      assertThatThrownBy(() -> fences.advance(c, "", 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("resource must have 1 to 255 characters");
      assertThatThrownBy(() -> fences.advance(c, "x".repeat(256), 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("had 256");
      assertThatThrownBy(() -> fences.advance(c, nullString(), 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("resource must not be null");
      assertThat(fences.advance(c, "é".repeat(255), 1)).isTrue();
    }
  }

  @Test
  void aSchemaQualifiedFenceTableHasTheGeneratedSql() throws SQLException {
    db.execute("CREATE SCHEMA IF NOT EXISTS app");
    Fences custom = Fences.builder().table("app.fences").dialect(db.dialect()).build();
    assertThat(custom.createTableSql(db.dialect())).isEqualTo("CREATE TABLE IF NOT EXISTS app.fences (name "
        + "VARCHAR(255) PRIMARY KEY, fence BIGINT NOT NULL CHECK (fence > 0))");
    assertThat(custom.advanceSql(db.dialect())).isEqualTo(db.dialect() == SqlDialect.POSTGRESQL
        ? "INSERT INTO app.fences AS f (name, fence) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET fence = "
            + "EXCLUDED.fence WHERE f.fence < EXCLUDED.fence"
        : "MERGE INTO app.fences AS f USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS BIGINT))) AS s(name, "
            + "fence) ON f.name = s.name WHEN MATCHED AND f.fence < s.fence THEN UPDATE SET fence = s.fence WHEN "
            + "NOT MATCHED THEN INSERT (name, fence) VALUES (s.name, s.fence)");
    try (Connection c = db.connect()) {
      db.execute("DROP TABLE IF EXISTS app.fences");
      custom.createTableIfMissing(c);
      assertThat(custom.advance(c, "r", 3)).isTrue();
      assertThat(custom.advance(c, "r", 2)).isFalse();
      assertThat(custom.current(c, "r")).hasValue(3);
    }
  }

  /**
   * Each transaction advances the fence, then reads the ledger and writes its own token there. If the fence
   * serializes writers in token order, no transaction whose advance succeeded can find a newer token in the
   * ledger: a violation is recorded when one does, and the final ledger holds the highest token.
   */
  @Test
  void concurrentFencedTransactionsCommitInTokenOrder() throws Exception {
    db.execute("INSERT INTO ledger (id, writer) VALUES (1, 0)");
    Random random = new Random(11);
    TreeSet<Long> distinct = new TreeSet<>();
    while (distinct.size() < 160) {
      distinct.add(1 + (random.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - 1));
    }
    List<Long> tokens = new ArrayList<>(distinct);
    Collections.shuffle(tokens, random);
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        List<Long> mine = tokens.subList(t * 20, t * 20 + 20);
        results.add(pool.submit(() -> {
          go.await();
          int committed = 0;
          for (long token : mine) {
            committed += inTransaction(db, c -> {
              if (!fences.advance(c, "ledger/1", token)) {
                return false;
              }
              long seen = ledger(c, 1).orElseThrow();
              if (seen >= token) {
                violations.add("token " + token + " advanced the fence but found " + seen + " written");
              }
              try (PreparedStatement ps = c.prepareStatement("UPDATE ledger SET writer = ? WHERE id = 1")) {
                ps.setLong(1, token);
                ps.executeUpdate();
              }
              return true;
            }) ? 1 : 0;
          }
          return committed;
        }));
      }
      go.countDown();
      int committed = 0;
      for (Future<Integer> f : results) {
        committed += f.get(100, TimeUnit.SECONDS);
      }
      assertThat(violations).isEmpty();
      assertThat(committed).isBetween(1, 160);
      assertThat(current("ledger/1")).hasValue(distinct.last());
      assertThat(ledger(1)).hasValue(distinct.last());
    } finally {
      pool.shutdownNow();
    }
  }

  private static String nullString() {
    return null;
  }

  private boolean advance(String resource, long token) throws SQLException {
    try (Connection c = db.connect()) {
      return fences.advance(c, resource, token);
    }
  }

  private OptionalLong current(String resource) throws SQLException {
    try (Connection c = db.connect()) {
      return fences.current(c, resource);
    }
  }

  private static void insertLedger(Connection c, long id, long writer) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger (id, writer) VALUES (?, ?)")) {
      ps.setLong(1, id);
      ps.setLong(2, writer);
      ps.executeUpdate();
    }
  }

  private OptionalLong ledger(long id) throws SQLException {
    try (Connection c = db.connect()) {
      return ledger(c, id);
    }
  }

  private static OptionalLong ledger(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT writer FROM ledger WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }
  }
}
