package dev.lockkit.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.fencing.jdbc.SqlDialect;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.IdempotencyStoreException;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ClaimResult.Status;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the contract does not say of {@link JdbcIdempotencyStore}: its tables, connections, clock and failures. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JdbcIdempotencyStoreTest {
  private static final Duration LONG = Duration.ofMinutes(10);
  private static final Database H2 = Database.h2("store-test");
  private static final Database POSTGRES = Database.postgres();

  @AfterAll
  static void closeDatabases() {
    H2.close();
    POSTGRES.close();
  }

  static Stream<Database> databases() {
    return Stream.of(H2, POSTGRES);
  }

  private static String key() {
    return IdempotencyKey.of("jdbc-store-test", "order/" + UUID.randomUUID()).storeKey();
  }

  @ParameterizedTest(autoCloseArguments = false) // the databases are the class's, closed after all
  @MethodSource("databases")
  void theTablesAreCreatedOnceUnderTheirNamesWithTheDocumentedColumns(Database db) throws SQLException {
    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(db.dataSource()).recordTable("app_records")
        .tokenTable("app_tokens").build();
    store.createTablesIfMissing();
    store.createTablesIfMissing();
    String key = key();
    store.claim(key, "fp", Long.MAX_VALUE, LONG);
    store.complete(key, Long.MAX_VALUE, Outcome.success(new byte[] {0, 1, (byte) 0xff}), LONG);
    store.issueToken(key, LONG);
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT state, fingerprint, fence, outcome_value, failure_type, "
          + "failure_message, expires_at FROM app_records WHERE store_key = '" + key + "'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("COMPLETED");
        assertThat(rs.getBytes(2)).containsExactly('f', 'p');
        assertThat(rs.getLong(3)).isEqualTo(Long.MAX_VALUE);
        assertThat(rs.getBytes(4)).containsExactly(0, 1, 0xff);
        assertThat(rs.getBytes(5)).isNull();
        assertThat(rs.getBytes(6)).isNull();
      }
      try (ResultSet rs = s.executeQuery("SELECT used FROM app_tokens WHERE store_key = '" + key + "'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).isFalse();
      }
    }
    JdbcIdempotencyStore defaults = db.store();
    assertThat(defaults.find(key)).isEmpty();
    assertThat(defaults.consumeToken(key)).isEqualTo(ConsumeResult.UNKNOWN);
  }

  @ParameterizedTest(autoCloseArguments = false) // the databases are the class's, closed after all
  @MethodSource("databases")
  void expiryIsTheDatabasesClockPlusTheTimeToLiveInMilliseconds(Database db) throws SQLException {
    JdbcIdempotencyStore store = db.store();
    String key = key();
    store.claim(key, "fp", 7, Duration.ofSeconds(90));
    String remaining = db.dialect() == SqlDialect.POSTGRESQL
        ? "SELECT CAST(EXTRACT(EPOCH FROM expires_at - clock_timestamp()) * 1000 AS BIGINT)"
        : "SELECT DATEDIFF(MILLISECOND, CURRENT_TIMESTAMP, expires_at)";
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(remaining + " FROM lockkit_idempotency WHERE store_key = '" + key + "'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isBetween(30_000L, 90_000L);
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the databases are the class's, closed after all
  @MethodSource("databases")
  void nulAndOtherCodePointsInFingerprintsAndFailuresRoundTrip(Database db) {
    JdbcIdempotencyStore store = db.store();
    String key = key();
    String fingerprint = "fp\u0000\u00e9\ud83d\udcb3";
    Outcome failure = Outcome.failure("Type\u0000", "line\u0000two\r\n\u6f22");
    store.claim(key, fingerprint, 7, LONG);
    assertThat(store.claim(key, "fp", 8, LONG).status()).isEqualTo(Status.FINGERPRINT_MISMATCH);
    store.complete(key, 7, failure, LONG);
    assertThat(store.find(key)).contains(StoredRecord.completed(fingerprint, 7, failure));
  }

  @ParameterizedTest(autoCloseArguments = false) // the databases are the class's, closed after all
  @MethodSource("databases")
  void purgeDeletesTheExpiredRowsOnly(Database db) throws SQLException {
    JdbcIdempotencyStore store = db.store();
    String expired = key();
    String live = key();
    store.claim(expired, "fp", 7, Duration.ofMillis(200));
    store.issueToken(expired, Duration.ofMillis(200));
    store.claim(live, "fp", 7, LONG);
    store.issueToken(live, LONG);
    await().atMost(Duration.ofSeconds(15)).until(() -> store.find(expired).isEmpty()
        && store.consumeToken(expired) == ConsumeResult.UNKNOWN);
    assertThat(rows(db, expired)).isEqualTo(2);
    assertThat(store.purgeExpired()).isGreaterThanOrEqualTo(2);
    assertThat(rows(db, expired)).isZero();
    assertThat(rows(db, live)).isEqualTo(2);
    assertThat(store.find(live)).contains(StoredRecord.inProgress("fp", 7));
  }

  @ParameterizedTest(autoCloseArguments = false) // the databases are the class's, closed after all
  @MethodSource("databases")
  void aConnectionIsGivenBackWithItsAutoCommitAndIsolationAsItWas(Database db) throws SQLException {
    JdbcIdempotencyStore store = db.store();
    try (Connection c = db.dataSource().getConnection()) {
      JdbcIdempotencyStore onOne = JdbcIdempotencyStore.builder(unclosable(c)).build();
      for (boolean autoCommit : new boolean[] {true, false}) {
        c.setAutoCommit(autoCommit);
        c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        String key = key();
        assertThat(onOne.claim(key, "fp", 7, LONG)).isEqualTo(ClaimResult.claimed());
        assertThat(c.getAutoCommit()).isEqualTo(autoCommit);
        assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
        assertThat(onOne.issueToken(key, LONG)).isTrue();
        assertThat(c.getAutoCommit()).isEqualTo(autoCommit);
        // committed: another connection sees the writes
        assertThat(store.find(key)).contains(StoredRecord.inProgress("fp", 7));
        assertThat(store.consumeToken(key)).isEqualTo(ConsumeResult.CONSUMED);
      }
      c.setAutoCommit(true);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the databases are the class's, closed after all
  @MethodSource("databases")
  void aMissingTableGivesAStoreExceptionNamingTheSqlState(Database db) {
    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(db.dataSource()).recordTable("no_such_table").build();
    assertThatThrownBy(() -> store.claim(key(), "fp", 7, LONG)).isInstanceOf(IdempotencyStoreException.class)
        .hasMessageContaining("claim").hasCauseInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(e.getMessage())
            .contains("SQL state " + ((SQLException) e.getCause()).getSQLState())
            .doesNotContain("SQL state null"));
  }

  @Test
  void tableNamesAreCheckedAndSetOnce() {
    JdbcIdempotencyStore.Builder builder = JdbcIdempotencyStore.builder(H2.dataSource());
    for (String bad : List.of("", "1table", "a b", "t;drop", "a.b.c", "\"quoted\"", "a".repeat(64))) {
      assertThatThrownBy(() -> builder.recordTable(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("recordTable");
    }
    builder.recordTable("app.records");
    assertThatThrownBy(() -> builder.recordTable("other")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set");
    builder.tokenTable("APP.RECORDS");
    assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two tables");
  }

  @Test
  void theStatementsOfEachDialectCreateBothTables() {
    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(H2.dataSource()).build();
    assertThat(store.createTableStatements(SqlDialect.POSTGRESQL)).hasSize(2)
        .allSatisfy(s -> assertThat(s).startsWith("CREATE TABLE IF NOT EXISTS lockkit_"))
        .anySatisfy(s -> assertThat(s).contains("BYTEA"));
    assertThat(store.createTableStatements(SqlDialect.H2)).anySatisfy(s -> assertThat(s).contains("BLOB"));
  }

  private static int rows(Database db, String key) throws SQLException {
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM lockkit_idempotency WHERE store_key = '" + key
            + "') + (SELECT COUNT(*) FROM lockkit_submission_token WHERE store_key = '" + key + "')")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** A data source that hands out {@code c} and ignores its close, so that a test can look at it after. */
  private static DataSource unclosable(Connection c) {
    Connection kept = (Connection) Proxy.newProxyInstance(JdbcIdempotencyStoreTest.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            return null;
          }
          try {
            return method.invoke(c, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    return (DataSource) Proxy.newProxyInstance(JdbcIdempotencyStoreTest.class.getClassLoader(),
        new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            return kept;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }
}
