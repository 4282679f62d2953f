package dev.lockkit.idempotency.jdbc;

import dev.lockkit.fencing.FencingException;
import dev.lockkit.fencing.jdbc.SqlDialect;
import dev.lockkit.idempotency.IdempotencyStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Runs each operation of {@link JdbcIdempotencyStore} as one transaction on a connection of its own, at READ
 * COMMITTED, and gives the connection back with its auto-commit and isolation as they were. A unique violation
 * (a concurrent first insert of the same key won) rolls back and runs the operation again, whose lock then finds
 * the winner's row; any other {@link SQLException} becomes an {@link IdempotencyStoreException}.
 */
final class Transactions {
  /** The SQL state of a unique-key violation. */
  static final String UNIQUE_VIOLATION = "23505";
  /** Runs of one operation: each retry follows another transaction's insert of the key, so few are needed. */
  private static final int ATTEMPTS = 5;

  /** One operation in a transaction. */
  interface Work<T> {
    T run(Connection connection, SqlDialect dialect) throws SQLException;
  }

  private final DataSource dataSource;
  private volatile @Nullable SqlDialect dialect;

  Transactions(DataSource dataSource, @Nullable SqlDialect dialect) {
    this.dataSource = dataSource;
    this.dialect = dialect;
  }

  /**
   * Runs {@code work} and commits, or rolls back if it throws.
   *
   * @param what the operation and its key, for messages
   */
  <T> T run(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        return inTransaction(c, work);
      } catch (SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState()) && attempt < ATTEMPTS) {
          continue;
        }
        throw new IdempotencyStoreException(what + " failed with SQL state " + e.getSQLState() + ": "
            + e.getMessage(), e);
      }
    }
  }

  /**
   * Runs {@code work} once (never again after a unique violation: it may hold an application's writes) and
   * commits, or rolls back if it throws; an {@link SQLException} becomes an {@link IdempotencyStoreException}.
   *
   * @param what the operation and its key, for messages
   */
  <T> T runOnce(String what, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return inTransaction(c, work);
    } catch (SQLException e) {
      throw new IdempotencyStoreException(what + " failed with SQL state " + e.getSQLState() + ": "
          + e.getMessage(), e);
    }
  }

  private <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
    SqlDialect d = dialectOf(c);
    boolean autoCommit = c.getAutoCommit();
    int isolation = c.getTransactionIsolation();
    if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }
    try {
      if (autoCommit) {
        c.setAutoCommit(false);
      }
      T result;
      try {
        result = work.run(c, d);
        c.commit();
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException r) {
          e.addSuppressed(r);
        }
        throw e;
      }
      return result;
    } finally {
      // the transaction has ended: switching back neither commits nor loses anything
      if (autoCommit) {
        c.setAutoCommit(true);
      }
      if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
        c.setTransactionIsolation(isolation);
      }
    }
  }

  private SqlDialect dialectOf(Connection c) {
    SqlDialect d = dialect;
    if (d == null) {
      try {
        d = SqlDialect.of(c);
      } catch (FencingException e) {
        throw new IdempotencyStoreException("cannot tell the database's dialect: " + e.getMessage(), e);
      }
      dialect = d;
    }
    return d;
  }
}
