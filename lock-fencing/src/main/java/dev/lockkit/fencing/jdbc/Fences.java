package dev.lockkit.fencing.jdbc;

import dev.lockkit.fencing.FencedWriteRejectedException;
import dev.lockkit.fencing.FencingException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One table of fences, a row per fenced resource, that fences any writes of a transaction: the caller advances
 * the resource's fence to its token first, and goes on only if that succeeded.
 *
 * <pre>{@code
 * connection.setAutoCommit(false);
 * if (!fences.advance(connection, "orders/42", lease.fencingToken())) {
 *   connection.rollback();                          // a newer holder got there first: we lost the lock
 *   return;
 * }
 * ... any inserts, updates, deletes ...
 * connection.commit();
 * }</pre>
 *
 * <p>The table ({@link #createTableSql}): {@code lockkit_fence(name VARCHAR(255) PRIMARY KEY, fence BIGINT NOT
 * NULL)}, its name configurable. {@link #advance} is one statement that inserts the row or raises its fence if
 * the stored one is lower, and answers whether it did.
 *
 * <p><b>Why this fences the whole transaction.</b> The insert-or-update locks the resource's row until the
 * caller's transaction ends. Under READ COMMITTED a concurrent {@code advance} of the same resource waits for that
 * lock and then compares against the committed fence: if the first transaction committed a higher token, the
 * waiter finds it and answers {@code false} (and must roll back); if it rolled back, the waiter compares against
 * the fence as it was. So fenced transactions of one resource run one after another in token order, and a writer
 * holding an older token than any committed one writes nothing that commits. Call {@code advance} before the
 * other writes: it then also keeps the other writes of a losing transaction from waiting on, or deadlocking with,
 * the winner's row locks. Under REPEATABLE READ or SERIALIZABLE PostgreSQL fails the waiting {@code advance} with
 * SQL state {@code 40001} instead, a {@link FencingException}: roll back, as for {@code false}. The fence rolls
 * back with its transaction: a transaction that advanced and then rolled back leaves the fence where it was.
 *
 * <p>Immutable and thread-safe.
 */
public final class Fences {
  /** The fence table's name unless the builder sets another. */
  public static final String DEFAULT_TABLE = "lockkit_fence";
  private static final int MAX_NAME = 255;

  private final String table;
  private final @Nullable SqlDialect dialect;
  private final String postgresAdvanceSql;
  private final String h2AdvanceSql;
  private final String currentSql;

  private Fences(String table, @Nullable SqlDialect dialect) {
    this.table = table;
    this.dialect = dialect;
    this.postgresAdvanceSql = "INSERT INTO " + table + " AS f (name, fence) VALUES (?, ?) ON CONFLICT (name) DO "
        + "UPDATE SET fence = EXCLUDED.fence WHERE f.fence < EXCLUDED.fence";
    this.h2AdvanceSql = "MERGE INTO " + table + " AS f USING (VALUES (CAST(? AS VARCHAR(" + MAX_NAME + ")), "
        + "CAST(? AS BIGINT))) AS s(name, fence) ON f.name = s.name WHEN MATCHED AND f.fence < s.fence THEN UPDATE "
        + "SET fence = s.fence WHEN NOT MATCHED THEN INSERT (name, fence) VALUES (s.name, s.fence)";
    this.currentSql = "SELECT fence FROM " + table + " WHERE name = ?";
  }

  /**
   * The fences in the table {@value #DEFAULT_TABLE}, with the dialect detected from each connection.
   *
   * @return the fences
   */
  public static Fences standard() {
    return builder().build();
  }

  /**
   * A builder, for another table name or a fixed dialect.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Raises the fence of {@code resource} to {@code token} if the stored fence is lower, or inserts it if there
   * is none, in the caller's transaction; the row stays locked until that transaction ends (see the class
   * comment for why that fences the transaction's other writes).
   *
   * @param connection the caller's connection, in the transaction to fence
   * @param resource what the fence guards, typically the lock's name; 1 to 255 characters
   * @param token the writer's fencing token ({@code lease.fencingToken()}), positive
   * @return {@code true} if the fence now holds this token; {@code false} if the stored fence is equal to or
   *     above it: a newer holder wrote, and the caller must roll back
   * @throws IllegalArgumentException if the resource is null, empty or too long, the token is not positive, or
   *     the database is not supported
   * @throws FencingException if the database refuses the statement (SQL state {@code 40001} under REPEATABLE
   *     READ or SERIALIZABLE when a concurrent transaction advanced the same fence)
   */
  public boolean advance(Connection connection, String resource, long token) {
    Sql.nonNull("connection", connection);
    checkResource(resource);
    Sql.positiveToken(token);
    SqlDialect d = dialect != null ? dialect : SqlDialect.of(connection);
    String sql = advanceSql(d);
    for (int attempt = 1; ; attempt++) {
      try {
        return Sql.update(connection, sql, Arrays.asList(resource, token)) > 0;
      } catch (SQLException e) {
        // H2: a concurrent transaction inserted the row first; this statement alone was undone, run it again
        if (d != SqlDialect.H2 || !Sql.UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt == 3) {
          throw Sql.failure("advancing the fence of '" + resource + "' in " + table + " to " + token, e);
        }
      }
    }
  }

  /**
   * As {@link #advance}, but a refusal throws instead of answering {@code false}.
   *
   * @param connection the caller's connection, in the transaction to fence
   * @param resource what the fence guards; 1 to 255 characters
   * @param token the writer's fencing token, positive
   * @throws FencedWriteRejectedException if the stored fence is equal to or above the token; it carries the
   *     stored fence
   * @throws IllegalArgumentException as {@link #advance} does
   * @throws FencingException if the database refuses a statement
   */
  public void advanceOrThrow(Connection connection, String resource, long token) {
    if (!advance(connection, resource, token)) {
      long stored = current(connection, resource).orElse(0L);
      throw new FencedWriteRejectedException(table, resource, token, stored, "advancing the fence of '" + resource
          + "' in " + table + " to " + token + " was refused: the stored fence is " + stored
          + ", so a newer lease holder wrote first; roll back the transaction");
    }
  }

  /**
   * The stored fence of {@code resource}, as the caller's transaction sees it.
   *
   * @param connection the caller's connection
   * @param resource the fenced resource
   * @return the fence, or empty if the resource was never fenced
   * @throws IllegalArgumentException if the resource is null, empty or too long
   * @throws FencingException if the database refuses the statement
   */
  public OptionalLong current(Connection connection, String resource) {
    Sql.nonNull("connection", connection);
    checkResource(resource);
    try {
      return Sql.queryLong(connection, currentSql, Arrays.asList(resource));
    } catch (SQLException e) {
      throw Sql.failure("reading the fence of '" + resource + "' in " + table, e);
    }
  }

  /**
   * The DDL of the fence table, {@code CREATE TABLE IF NOT EXISTS}, the same text on PostgreSQL and H2:
   * {@code name VARCHAR(255) PRIMARY KEY, fence BIGINT NOT NULL CHECK (fence > 0)}.
   *
   * @param dialect the database
   * @return the SQL text
   */
  public String createTableSql(SqlDialect dialect) {
    Sql.nonNull("dialect", dialect);
    return "CREATE TABLE IF NOT EXISTS " + table + " (name VARCHAR(" + MAX_NAME + ") PRIMARY KEY, fence BIGINT NOT "
        + "NULL CHECK (fence > 0))";
  }

  /**
   * Creates the fence table if it does not exist, on the caller's connection (commit it if auto-commit is off).
   *
   * @param connection a connection allowed to create tables
   * @throws IllegalArgumentException if the database is not supported
   * @throws FencingException if the database refuses the statement
   */
  public void createTableIfMissing(Connection connection) {
    Sql.nonNull("connection", connection);
    String sql = createTableSql(dialect != null ? dialect : SqlDialect.of(connection));
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw Sql.failure("creating the fence table " + table, e);
    }
  }

  /**
   * The statement {@link #advance} runs on {@code dialect}; its parameters are the resource and the token.
   *
   * @param dialect the database
   * @return the SQL text
   */
  public String advanceSql(SqlDialect dialect) {
    return Sql.nonNull("dialect", dialect) == SqlDialect.POSTGRESQL ? postgresAdvanceSql : h2AdvanceSql;
  }

  /**
   * The fence table's name.
   *
   * @return the table, optionally schema-qualified
   */
  public String table() {
    return table;
  }

  private static void checkResource(@Nullable String resource) {
    Sql.nonNull("resource", resource);
    int length = resource.codePointCount(0, resource.length());
    if (length == 0 || length > MAX_NAME) {
      throw new IllegalArgumentException("resource must have 1 to " + MAX_NAME + " characters, had " + length);
    }
  }

  /** Sets the table name or the dialect, each at most once. */
  public static final class Builder {
    private @Nullable String table;
    private @Nullable SqlDialect dialect;

    private Builder() {}

    /**
     * The fence table, {@code name} or {@code schema.name}, each part a plain SQL identifier;
     * {@value #DEFAULT_TABLE} unless set.
     *
     * @param table the table's name
     * @return this builder
     * @throws IllegalArgumentException if it is no such name or was set before
     */
    public Builder table(String table) {
      if (this.table != null) {
        throw new IllegalArgumentException("table was set already; set each option once");
      }
      this.table = Sql.qualifiedName("table", table);
      return this;
    }

    /**
     * The database, so that the helpers need not ask each connection for it; detected per call unless set.
     *
     * @param dialect the database
     * @return this builder
     * @throws IllegalArgumentException if it is null or was set before
     */
    public Builder dialect(SqlDialect dialect) {
      if (this.dialect != null) {
        throw new IllegalArgumentException("dialect was set already; set each option once");
      }
      this.dialect = Sql.nonNull("dialect", dialect);
      return this;
    }

    /**
     * The fences.
     *
     * @return an immutable {@link Fences}
     */
    public Fences build() {
      return new Fences(table != null ? table : DEFAULT_TABLE, dialect);
    }
  }
}
