package dev.lockkit.fencing.jdbc;

import dev.lockkit.fencing.FencedWriteRejectedException;
import dev.lockkit.fencing.FencingException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A table of the application's whose rows are written only by newer fencing tokens: each row carries the token
 * of its last write in a fence column, and a write goes through only if the stored fence is below the writer's
 * token. The table is the application's own, for example:
 *
 * <pre>{@code
 * CREATE TABLE orders (
 *   id     BIGINT PRIMARY KEY,          -- the id column: a primary key or unique (upsert needs one)
 *   status VARCHAR(20),                 -- value columns, any types
 *   total  NUMERIC(12, 2),
 *   fence  BIGINT NOT NULL              -- the token of the last accepted write
 * );
 * }</pre>
 *
 * <p>Writes run on the caller's connection and in its transaction; the helper neither commits nor rolls back.
 * Concurrent writers of one row are ordered by the row lock that the {@code UPDATE} (or the insert-or-update)
 * takes: under READ COMMITTED the later one waits for the earlier one's transaction to end and then evaluates
 * {@code fence < token} against the committed row, so the stored fence only ever grows and a late writer with an
 * older token finds the newer fence and writes nothing. Under REPEATABLE READ or SERIALIZABLE PostgreSQL instead
 * fails the later writer with SQL state {@code 40001}, which arrives as a {@link FencingException}.
 *
 * <p>Immutable and thread-safe; build one per table with {@link #builder()} and share it.
 */
public final class FencedTable {
  private final String table;
  private final String idColumn;
  private final String fenceColumn;
  private final List<String> valueColumns;
  private final @Nullable SqlDialect dialect;
  private final String updateSql;
  private final String postgresUpsertSql;
  private final String h2UpsertSql;
  private final String fenceSql;

  private FencedTable(String table, String idColumn, String fenceColumn, List<String> valueColumns,
      @Nullable SqlDialect dialect) {
    this.table = table;
    this.idColumn = idColumn;
    this.fenceColumn = fenceColumn;
    this.valueColumns = List.copyOf(valueColumns);
    this.dialect = dialect;
    String sets = valueColumns.stream().map(c -> c + " = ?").collect(Collectors.joining(", "));
    this.updateSql = "UPDATE " + table + " SET " + sets + ", " + fenceColumn + " = ? WHERE " + idColumn
        + " = ? AND " + fenceColumn + " < ?";
    List<String> all = new ArrayList<>();
    all.add(idColumn);
    all.addAll(valueColumns);
    all.add(fenceColumn);
    String columns = String.join(", ", all);
    String marks = all.stream().map(c -> "?").collect(Collectors.joining(", "));
    List<String> written = new ArrayList<>(valueColumns);
    written.add(fenceColumn);
    this.postgresUpsertSql = "INSERT INTO " + table + " AS t (" + columns + ") VALUES (" + marks + ") ON CONFLICT ("
        + idColumn + ") DO UPDATE SET " + written.stream().map(c -> c + " = EXCLUDED." + c)
        .collect(Collectors.joining(", ")) + " WHERE t." + fenceColumn + " < EXCLUDED." + fenceColumn;
    this.h2UpsertSql = "MERGE INTO " + table + " AS t USING (VALUES (" + marks + ")) AS s(" + columns + ") ON t."
        + idColumn + " = s." + idColumn + " WHEN MATCHED AND t." + fenceColumn + " < s." + fenceColumn
        + " THEN UPDATE SET " + written.stream().map(c -> c + " = s." + c).collect(Collectors.joining(", "))
        + " WHEN NOT MATCHED THEN INSERT (" + columns + ") VALUES (" + all.stream().map(c -> "s." + c)
        .collect(Collectors.joining(", ")) + ")";
    this.fenceSql = "SELECT " + fenceColumn + " FROM " + table + " WHERE " + idColumn + " = ?";
  }

  /**
   * A builder; {@link Builder#table}, {@link Builder#idColumn} and {@link Builder#valueColumns} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Writes {@code values} and the token to the row {@code id}, only if the row exists and its stored fence is
   * below {@code token}: {@code UPDATE table SET v1 = ?, ..., fence = ? WHERE id = ? AND fence < ?}.
   *
   * @param connection the caller's connection, in the transaction the write belongs to
   * @param id the row's id
   * @param token the writer's fencing token ({@code lease.fencingToken()}), positive
   * @param values the value columns' new values, in the builder's column order ({@code null} for SQL NULL)
   * @return {@code true} if the row was written; {@code false} if its stored fence is equal to or above the token
   *     (a newer holder wrote: the caller has lost the resource) or no row has this id
   * @throws IllegalArgumentException if {@code id} is null, the token is not positive, or the count of values
   *     differs from the count of value columns
   * @throws FencingException if the database refuses the statement
   */
  public boolean update(Connection connection, Object id, long token, @Nullable Object... values) {
    Sql.nonNull("connection", connection);
    List<@Nullable Object> params = new ArrayList<>(checkedValues(values));
    params.add(Sql.positiveToken(token));
    params.add(Sql.nonNull("id", id));
    params.add(token);
    try {
      return Sql.update(connection, updateSql, params) > 0;
    } catch (SQLException e) {
      throw Sql.failure("the fenced update of " + table + " " + idColumn + "=" + id, e);
    }
  }

  /**
   * As {@link #update}, but a refused write throws instead of answering {@code false}.
   *
   * @param connection the caller's connection, in the transaction the write belongs to
   * @param id the row's id
   * @param token the writer's fencing token, positive
   * @param values the value columns' new values, in the builder's column order
   * @throws FencedWriteRejectedException if the stored fence is equal to or above the token, or no row has this
   *     id; it carries the stored fence, read after the refusal
   * @throws IllegalArgumentException as {@link #update} does
   * @throws FencingException if the database refuses a statement
   */
  public void updateOrThrow(Connection connection, Object id, long token, @Nullable Object... values) {
    if (!update(connection, id, token, values)) {
      throw rejected(connection, id, token, "update");
    }
  }

  /**
   * Inserts the row {@code id} with {@code values} and the token if it is absent, or updates it if its stored
   * fence is below {@code token}; one statement, atomic also against a concurrent first insert of the same id.
   * On PostgreSQL {@code INSERT ... ON CONFLICT (id) DO UPDATE SET ... WHERE t.fence < EXCLUDED.fence} (the id
   * column must be a primary key or carry a unique constraint); on H2 {@code MERGE INTO ... USING (VALUES ...)
   * WHEN MATCHED AND t.fence < s.fence THEN UPDATE ... WHEN NOT MATCHED THEN INSERT}, sent once more if a
   * concurrent transaction inserted the same id first (H2 then reports a unique-key violation for this statement
   * only, and the second run finds the row).
   *
   * @param connection the caller's connection, in the transaction the write belongs to
   * @param id the row's id
   * @param token the writer's fencing token ({@code lease.fencingToken()}), positive
   * @param values the value columns' values, in the builder's column order ({@code null} for SQL NULL)
   * @return {@code true} if the row was inserted or updated; {@code false} if its stored fence is equal to or
   *     above the token (a newer holder wrote)
   * @throws IllegalArgumentException if {@code id} is null, the token is not positive, the count of values
   *     differs from the count of value columns, or the database is not supported
   * @throws FencingException if the database refuses the statement
   */
  public boolean upsert(Connection connection, Object id, long token, @Nullable Object... values) {
    Sql.nonNull("connection", connection);
    List<@Nullable Object> params = new ArrayList<>();
    params.add(Sql.nonNull("id", id));
    params.addAll(checkedValues(values));
    params.add(Sql.positiveToken(token));
    SqlDialect d = dialect != null ? dialect : SqlDialect.of(connection);
    String sql = upsertSql(d);
    for (int attempt = 1; ; attempt++) {
      try {
        return Sql.update(connection, sql, params) > 0;
      } catch (SQLException e) {
        if (d != SqlDialect.H2 || !Sql.UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt == 3) {
          throw Sql.failure("the fenced upsert of " + table + " " + idColumn + "=" + id, e);
        }
      }
    }
  }

  /**
   * As {@link #upsert}, but a refused write throws instead of answering {@code false}.
   *
   * @param connection the caller's connection, in the transaction the write belongs to
   * @param id the row's id
   * @param token the writer's fencing token, positive
   * @param values the value columns' values, in the builder's column order
   * @throws FencedWriteRejectedException if the stored fence is equal to or above the token; it carries the
   *     stored fence, read after the refusal
   * @throws IllegalArgumentException as {@link #upsert} does
   * @throws FencingException if the database refuses a statement
   */
  public void upsertOrThrow(Connection connection, Object id, long token, @Nullable Object... values) {
    if (!upsert(connection, id, token, values)) {
      throw rejected(connection, id, token, "upsert");
    }
  }

  /**
   * The fence stored in the row {@code id}, read in the caller's transaction.
   *
   * @param connection the caller's connection
   * @param id the row's id
   * @return the stored fence, or empty if no row has this id
   * @throws IllegalArgumentException if {@code id} is null
   * @throws FencingException if the database refuses the statement
   */
  public OptionalLong fence(Connection connection, Object id) {
    Sql.nonNull("connection", connection);
    try {
      return Sql.queryLong(connection, fenceSql, Arrays.asList(Sql.nonNull("id", id)));
    } catch (SQLException e) {
      throw Sql.failure("reading the fence of " + table + " " + idColumn + "=" + id, e);
    }
  }

  /**
   * The statement {@link #update} runs; its parameters are the values, the token, the id and the token again.
   *
   * @return the SQL text
   */
  public String updateSql() {
    return updateSql;
  }

  /**
   * The statement {@link #upsert} runs on {@code dialect}; its parameters are the id, the values and the token.
   *
   * @param dialect the database
   * @return the SQL text
   */
  public String upsertSql(SqlDialect dialect) {
    return Sql.nonNull("dialect", dialect) == SqlDialect.POSTGRESQL ? postgresUpsertSql : h2UpsertSql;
  }

  /**
   * The table, as given to the builder (optionally schema-qualified).
   *
   * @return the table name
   */
  public String table() {
    return table;
  }

  /**
   * The value columns, in the order {@link #update} and {@link #upsert} take their values.
   *
   * @return the value columns, unmodifiable
   */
  public List<String> valueColumns() {
    return valueColumns;
  }

  /**
   * The dialect given to the builder; empty when it is detected from each connection.
   *
   * @return the configured dialect, if any
   */
  public Optional<SqlDialect> dialect() {
    return Optional.ofNullable(dialect);
  }

  private List<@Nullable Object> checkedValues(@Nullable Object @Nullable [] values) {
    if (values == null) {
      throw new IllegalArgumentException("values must not be a null array; pass one value per value column "
          + valueColumns);
    }
    if (values.length != valueColumns.size()) {
      throw new IllegalArgumentException("values: " + values.length + " given, but " + table + " has "
          + valueColumns.size() + " value columns " + valueColumns + "; pass one value per column, in that order");
    }
    return Arrays.asList(values);
  }

  private FencingException rejected(Connection connection, Object id, long token, String what) {
    OptionalLong stored = fence(connection, id);
    String detail = stored.isPresent()
        ? "the fenced " + what + " of " + table + " " + idColumn + "=" + id + " with token " + token
            + " was refused: the stored fence is " + stored.getAsLong() + ", so a newer lease holder wrote first"
        : "the fenced " + what + " of " + table + " " + idColumn + "=" + id + " with token " + token
            + " was refused: no row has this id (update writes existing rows only; upsert inserts)";
    return new FencedWriteRejectedException(table, String.valueOf(id), token, stored.orElse(0L), detail);
  }

  /** Names the table and its columns; each name is checked as an SQL identifier and may be set once. */
  public static final class Builder {
    private @Nullable String table;
    private @Nullable String idColumn;
    private @Nullable String fenceColumn;
    private @Nullable List<String> valueColumns;
    private @Nullable SqlDialect dialect;

    private Builder() {}

    /**
     * The table, {@code name} or {@code schema.name}, each part a plain (unquoted) SQL identifier.
     *
     * @param table the table's name
     * @return this builder
     * @throws IllegalArgumentException if it is no such name or was set before
     */
    public Builder table(String table) {
      once("table", this.table);
      this.table = Sql.qualifiedName("table", table);
      return this;
    }

    /**
     * The id column: a primary key or unique column, whose values {@code update} and {@code upsert} take.
     *
     * @param column the column's name, a plain SQL identifier
     * @return this builder
     * @throws IllegalArgumentException if it is no identifier or was set before
     */
    public Builder idColumn(String column) {
      once("idColumn", this.idColumn);
      this.idColumn = Sql.identifier("idColumn", column);
      return this;
    }

    /**
     * The fence column, {@code BIGINT NOT NULL}; {@code fence} unless set.
     *
     * @param column the column's name, a plain SQL identifier
     * @return this builder
     * @throws IllegalArgumentException if it is no identifier or was set before
     */
    public Builder fenceColumn(String column) {
      once("fenceColumn", this.fenceColumn);
      this.fenceColumn = Sql.identifier("fenceColumn", column);
      return this;
    }

    /**
     * The columns a write sets, in the order the writes take their values; at least one.
     *
     * @param columns the columns' names, plain SQL identifiers
     * @return this builder
     * @throws IllegalArgumentException if one is no identifier, none is given, or they were set before
     */
    public Builder valueColumns(String... columns) {
      once("valueColumns", this.valueColumns);
      Sql.nonNull("valueColumns", columns);
      if (columns.length == 0) {
        throw new IllegalArgumentException("valueColumns: at least one column is required");
      }
      List<String> checked = new ArrayList<>();
      for (int i = 0; i < columns.length; i++) {
        checked.add(Sql.identifier("valueColumns[" + i + "]", columns[i]));
      }
      this.valueColumns = checked;
      return this;
    }

    /**
     * The database, so that {@code upsert} need not ask each connection for it; detected per call unless set.
     *
     * @param dialect the database
     * @return this builder
     * @throws IllegalArgumentException if it is null or was set before
     */
    public Builder dialect(SqlDialect dialect) {
      once("dialect", this.dialect);
      this.dialect = Sql.nonNull("dialect", dialect);
      return this;
    }

    /**
     * The table description.
     *
     * @return an immutable {@link FencedTable}
     * @throws IllegalArgumentException if the table, the id column or the value columns are missing, or two
     *     columns have the same name (compared as the database does unquoted names, ignoring case)
     */
    public FencedTable build() {
      if (table == null) {
        throw new IllegalArgumentException("table is required: FencedTable.builder().table(\"orders\")");
      }
      if (idColumn == null) {
        throw new IllegalArgumentException("idColumn is required: the primary key or unique column of " + table);
      }
      if (valueColumns == null) {
        throw new IllegalArgumentException("valueColumns are required: the columns a fenced write sets");
      }
      String fence = fenceColumn != null ? fenceColumn : "fence";
      Set<String> seen = new HashSet<>();
      List<String> all = new ArrayList<>();
      all.add(idColumn);
      all.add(fence);
      all.addAll(valueColumns);
      for (String c : all) {
        if (!seen.add(Sql.folded(c))) {
          throw new IllegalArgumentException("columns: '" + c + "' is named twice among the id, fence and value "
              + "columns " + all + "; each must be a different column");
        }
      }
      return new FencedTable(table, idColumn, fence, valueColumns, dialect);
    }

    private static void once(String option, @Nullable Object current) {
      if (current != null) {
        throw new IllegalArgumentException(option + " was set already; set each option once");
      }
    }
  }
}
