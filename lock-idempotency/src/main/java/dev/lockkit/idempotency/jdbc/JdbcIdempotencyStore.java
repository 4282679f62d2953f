package dev.lockkit.idempotency.jdbc;

import dev.lockkit.fencing.jdbc.SqlDialect;
import dev.lockkit.idempotency.IdempotencyStoreException;
import dev.lockkit.idempotency.internal.Checks;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.RecordState;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in PostgreSQL (12 and newer) or H2 (2.x), on a {@link DataSource}: records in one
 * table, submission tokens in another (by default {@value #DEFAULT_RECORD_TABLE} and {@value
 * #DEFAULT_TOKEN_TABLE}).
 *
 * <pre>{@code
 * JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(dataSource).build();
 * store.createTablesIfMissing();          // or run createTableStatements(dialect) in your migrations
 * }</pre>
 *
 * <p><b>Atomicity.</b> Every method is one transaction at READ COMMITTED on a connection of its own, taken from
 * the data source and given back with its auto-commit and isolation as they were. A write locks the key's row
 * with {@code SELECT ... FOR UPDATE}, decides in Java (by {@link ClaimResult#decide} for a claim), and updates,
 * inserts or deletes it; two first inserts of one key meet at the primary key, and the loser (SQL state {@code
 * 23505}) runs again and finds the winner's row. The store commits its own transactions: give it a data source
 * whose connections are not bound to the caller's transaction (not a transaction-aware proxy), or it would commit
 * the caller's work with its own.
 *
 * <p><b>Expiry</b> is the column {@code expires_at}, set from the database's clock (PostgreSQL's {@code
 * clock_timestamp()}, H2's {@code CURRENT_TIMESTAMP}) plus the time to live in milliseconds, rounded up; a row
 * whose {@code expires_at} has passed is absent to every method and is overwritten by the next write of its key.
 * Rows of keys never written again stay until {@link #purgeExpired()} deletes them: run it now and then. Times to
 * live above {@link #MAX_TTL} are cut to it.
 *
 * <p><b>Columns.</b> Fingerprints, failure types and failure messages are kept as UTF-8 bytes (PostgreSQL's
 * text cannot hold U+0000, which the SPI's strings may contain); read them with {@code convert_from(column,
 * 'UTF8')} in PostgreSQL or {@code UTF8TOSTRING(column)} in H2. Fences are {@code BIGINT}.
 *
 * <p><b>Failures.</b> An {@link SQLException} becomes an {@link IdempotencyStoreException} naming the SQL state,
 * with the exception as its cause; timeouts are the data source's and the driver's. A database that is neither
 * PostgreSQL nor H2 gives an {@link IllegalArgumentException} on first use unless {@link Builder#dialect} names
 * one. Thread-safe.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {
  /** The records' table unless {@link Builder#recordTable} names another. */
  public static final String DEFAULT_RECORD_TABLE = "lockkit_idempotency";
  /** The submission tokens' table unless {@link Builder#tokenTable} names another. */
  public static final String DEFAULT_TOKEN_TABLE = "lockkit_submission_token";
  /** The longest time to live a row gets; longer ones are cut to it. */
  public static final Duration MAX_TTL = Duration.ofDays(365L * 1000);

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  private final Transactions transactions;
  private final String recordTable;
  private final String tokenTable;
  private final Map<SqlDialect, Statements> statements = new EnumMap<>(SqlDialect.class);

  private JdbcIdempotencyStore(DataSource dataSource, String recordTable, String tokenTable,
      @Nullable SqlDialect dialect) {
    this.transactions = new Transactions(dataSource, dialect);
    this.recordTable = recordTable;
    this.tokenTable = tokenTable;
    for (SqlDialect d : SqlDialect.values()) {
      statements.put(d, new Statements(d, recordTable, tokenTable));
    }
  }

  /**
   * A builder of a store on {@code dataSource}.
   *
   * @param dataSource where connections come from; a pool is best, each operation takes one briefly
   * @return the builder
   * @throws IllegalArgumentException if {@code dataSource} is null
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Checks.notNull(dataSource, "dataSource"));
  }

  /** Options of a {@link JdbcIdempotencyStore}; each may be set once. */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable String recordTable;
    private @Nullable String tokenTable;
    private @Nullable SqlDialect dialect;

    private Builder(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    /**
     * The table of records.
     *
     * @param table {@code table} or {@code schema.table}, each part a letter or {@code _} followed by up to 62
     *     letters, digits or {@code _} (unquoted: PostgreSQL folds it to lower case, H2 to upper); default
     *     {@value #DEFAULT_RECORD_TABLE}
     * @return this builder
     * @throws IllegalArgumentException if {@code table} is no such name
     * @throws IllegalStateException if set before
     */
    public Builder recordTable(String table) {
      Checks.state(recordTable == null, "recordTable is already set to '%s'", recordTable);
      recordTable = tableName("recordTable", table);
      return this;
    }

    /**
     * The table of submission tokens.
     *
     * @param table {@code table} or {@code schema.table}, as for {@link #recordTable}; default {@value
     *     #DEFAULT_TOKEN_TABLE}
     * @return this builder
     * @throws IllegalArgumentException if {@code table} is no such name
     * @throws IllegalStateException if set before
     */
    public Builder tokenTable(String table) {
      Checks.state(tokenTable == null, "tokenTable is already set to '%s'", tokenTable);
      tokenTable = tableName("tokenTable", table);
      return this;
    }

    /**
     * The database's dialect, instead of telling it from the first connection's metadata.
     *
     * @param dialect the dialect
     * @return this builder
     * @throws IllegalArgumentException if {@code dialect} is null
     * @throws IllegalStateException if set before
     */
    public Builder dialect(SqlDialect dialect) {
      Checks.state(this.dialect == null, "dialect is already set to %s", this.dialect);
      this.dialect = Checks.notNull(dialect, "dialect");
      return this;
    }

    /**
     * The store. Opens no connection.
     *
     * @return the store
     * @throws IllegalArgumentException if both tables have the same name
     */
    public JdbcIdempotencyStore build() {
      String records = recordTable != null ? recordTable : DEFAULT_RECORD_TABLE;
      String tokens = tokenTable != null ? tokenTable : DEFAULT_TOKEN_TABLE;
      Checks.argument(!records.toLowerCase(Locale.ROOT).equals(tokens.toLowerCase(Locale.ROOT)),
          "recordTable and tokenTable must be two tables, both were '%s'", records);
      return new JdbcIdempotencyStore(dataSource, records, tokens, dialect);
    }
  }

  /**
   * The statements that create the two tables if they do not exist, for a migration tool.
   *
   * @param dialect the database's dialect
   * @return {@code CREATE TABLE IF NOT EXISTS} statements, without terminating semicolons
   * @throws IllegalArgumentException if {@code dialect} is null
   */
  public List<String> createTableStatements(SqlDialect dialect) {
    return statements.get(Checks.notNull(dialect, "dialect")).ddl;
  }

  /**
   * Creates the two tables where they do not exist, in one transaction; existing tables are left as they are.
   *
   * @throws IdempotencyStoreException if the database refuses
   */
  public void createTablesIfMissing() {
    transactions.run("creating the tables " + recordTable + " and " + tokenTable, (c, d) -> {
      for (String sql : statements.get(d).ddl) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.execute();
        }
      }
      return null;
    });
  }

  /**
   * Deletes the rows of both tables that expired, which the other methods treat as absent already.
   *
   * @return how many rows were deleted
   * @throws IdempotencyStoreException if the database refuses
   */
  public int purgeExpired() {
    return transactions.run("purging expired rows", (c, d) -> {
      int deleted = 0;
      for (String sql : List.of(statements.get(d).purgeRecords, statements.get(d).purgeTokens)) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          deleted += ps.executeUpdate();
        }
      }
      return deleted;
    });
  }

  @Override
  public ClaimResult claim(String key, String fingerprint, long fence, Duration ttl) {
    checkKey(key);
    Checks.notNull(fingerprint, "fingerprint");
    checkFence(fence);
    long millis = millis(ttl, "ttl");
    return transactions.run("the claim of '" + key + "'", (c, d) -> {
      Statements sql = statements.get(d);
      Locked locked = lockRecord(c, sql, key);
      ClaimResult result = ClaimResult.decide(locked.live, fingerprint, fence);
      if (result.isClaimed()) {
        if (locked.exists) {
          update(c, sql.reclaimRecord, utf8(fingerprint), fence, millis, key);
        } else {
          update(c, sql.insertRecord, key, utf8(fingerprint), fence, millis);
        }
      }
      return result;
    });
  }

  @Override
  public boolean complete(String key, long fence, Outcome outcome, Duration retention) {
    checkKey(key);
    checkFence(fence);
    Checks.notNull(outcome, "outcome");
    long millis = millis(retention, "retention");
    return transactions.run("the complete of '" + key + "'", (c, d) -> {
      Statements sql = statements.get(d);
      StoredRecord live = lockRecord(c, sql, key).live;
      if (isCompletedBy(live, fence)) {
        return true; // this claim's outcome is stored already
      }
      if (!isClaimOf(live, fence)) {
        return false;
      }
      if (outcome.isSuccess()) {
        update(c, sql.completeRecord, outcome.value(), null, null, millis, key);
      } else {
        update(c, sql.completeRecord, null, utf8(outcome.failureType()), utf8(outcome.failureMessage()), millis,
            key);
      }
      return true;
    });
  }

  /** What an action did in the transaction of {@link #completeWithin}: its result and the outcome to store. */
  record Done<R>(R result, Outcome outcome) {}

  /** An action run inside the transaction of {@link #completeWithin}. */
  interface InTransaction<R> {
    Done<R> run(Connection transaction) throws SQLException;
  }

  /**
   * One transaction that locks the record of {@code key}, checks that it is {@code IN_PROGRESS} under exactly
   * {@code fence}, runs {@code action} on the same connection and stores its outcome as {@code COMPLETED}: the
   * action's writes and the outcome commit together or not at all. The row lock keeps a takeover's claim
   * waiting until this transaction ends; a claim taken over before it began fails it with {@code lost}.
   */
  <R> R completeWithin(String key, long fence, Duration retention, InTransaction<R> action,
      Supplier<RuntimeException> lost) {
    checkKey(key);
    checkFence(fence);
    long millis = millis(retention, "retention");
    return transactions.runOnce("the transaction of '" + key + "'", (c, d) -> {
      Statements sql = statements.get(d);
      if (!isClaimOf(lockRecord(c, sql, key).live, fence)) {
        throw lost.get();
      }
      Done<R> done = action.run(c);
      Outcome outcome = done.outcome();
      if (outcome.isSuccess()) {
        update(c, sql.completeRecord, outcome.value(), null, null, millis, key);
      } else {
        update(c, sql.completeRecord, null, utf8(outcome.failureType()), utf8(outcome.failureMessage()), millis,
            key);
      }
      return done.result();
    });
  }

  @Override
  public boolean abandon(String key, long fence) {
    checkKey(key);
    checkFence(fence);
    return transactions.run("the abandon of '" + key + "'", (c, d) -> {
      Statements sql = statements.get(d);
      if (!isClaimOf(lockRecord(c, sql, key).live, fence)) {
        return false;
      }
      update(c, sql.deleteRecord, key);
      return true;
    });
  }

  @Override
  public Optional<StoredRecord> find(String key) {
    checkKey(key);
    return transactions.run("the find of '" + key + "'", (c, d) -> {
      try (PreparedStatement ps = c.prepareStatement(statements.get(d).findRecord)) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return Optional.ofNullable(rs.next() ? Rows.record(rs, key) : null);
        }
      }
    });
  }

  @Override
  public boolean issueToken(String key, Duration ttl) {
    checkKey(key);
    long millis = millis(ttl, "ttl");
    return transactions.run("issuing the token '" + key + "'", (c, d) -> {
      Statements sql = statements.get(d);
      switch (lockToken(c, sql, key)) {
        case ABSENT -> update(c, sql.insertToken, key, millis);
        case EXPIRED -> update(c, sql.reissueToken, millis, key);
        default -> {
          return false;
        }
      }
      return true;
    });
  }

  @Override
  public ConsumeResult consumeToken(String key) {
    checkKey(key);
    return transactions.run("consuming the token '" + key + "'", (c, d) -> {
      Statements sql = statements.get(d);
      switch (lockToken(c, sql, key)) {
        case UNUSED -> {
          update(c, sql.useToken, key);
          return ConsumeResult.CONSUMED;
        }
        case USED -> {
          return ConsumeResult.ALREADY_USED;
        }
        default -> {
          return ConsumeResult.UNKNOWN;
        }
      }
    });
  }

  /** A record row locked for this transaction: whether the row exists, and the record if it is live. */
  private record Locked(boolean exists, @Nullable StoredRecord live) {}

  private static Locked lockRecord(Connection c, Statements sql, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.lockRecord)) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return new Locked(false, null);
        }
        return new Locked(true, rs.getInt(7) == 1 ? Rows.record(rs, key) : null);
      }
    }
  }

  /** What a token's row holds. */
  private enum TokenRow {
    ABSENT,
    EXPIRED,
    UNUSED,
    USED
  }

  /** Locks the token's row (if there is one) for this transaction and tells what it holds. */
  private static TokenRow lockToken(Connection c, Statements sql, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.lockToken)) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return TokenRow.ABSENT;
        }
        boolean used = rs.getBoolean(1);
        return rs.getInt(2) != 1 ? TokenRow.EXPIRED : used ? TokenRow.USED : TokenRow.UNUSED;
      }
    }
  }

  private static boolean isCompletedBy(@Nullable StoredRecord live, long fence) {
    return live != null && live.state() == RecordState.COMPLETED && live.fence() == fence;
  }

  private static boolean isClaimOf(@Nullable StoredRecord live, long fence) {
    return live != null && live.state() == RecordState.IN_PROGRESS
        && live.fence() == fence;
  }

  private static void update(Connection c, String sql, @Nullable Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        Object p = params[i];
        if (p == null || p instanceof byte[]) {
          ps.setBytes(i + 1, (byte[]) p);
        } else if (p instanceof Long n) {
          ps.setLong(i + 1, n);
        } else {
          ps.setString(i + 1, (String) p);
        }
      }
      ps.executeUpdate();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String tableName(String what, @Nullable String name) {
    Checks.notNull(name, what);
    String[] parts = name.split("\\.", -1);
    Checks.argument(parts.length <= 2, "%s '%s' has more than one '.': allowed are 'table' and 'schema.table'",
        what, name);
    for (String part : parts) {
      Checks.argument(IDENTIFIER.matcher(part).matches(), "%s '%s' is not a table name: allowed are 'table' and "
          + "'schema.table', each part a letter or '_' followed by up to 62 letters, digits or '_' (no quotes, "
          + "spaces or other signs)", what, name);
    }
    return name;
  }

  private static void checkKey(@Nullable String key) {
    Checks.notNull(key, "key");
  }

  private static void checkFence(long fence) {
    Checks.argument(fence > 0, "fence must be positive, was %s", fence);
  }

  /** Milliseconds, rounded up, at most {@link #MAX_TTL}. */
  private static long millis(Duration ttl, String what) {
    Checks.atLeastOneMilli(ttl, what);
    if (ttl.compareTo(MAX_TTL) >= 0) {
      return MAX_TTL.toMillis();
    }
    long millis = ttl.toMillis();
    return ttl.getNano() % 1_000_000 == 0 ? millis : millis + 1;
  }
}
