package dev.lockkit.fencing.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs work in a transaction of its own connection: committed if it answers true, rolled back otherwise. */
final class Transactions {
  interface Work {
    boolean run(Connection c) throws SQLException;
  }

  private Transactions() {}

  static boolean inTransaction(Database db, Work work) throws SQLException {
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      boolean commit = false;
      try {
        commit = work.run(c);
        return commit;
      } finally {
        if (commit) {
          c.commit();
        } else {
          c.rollback();
        }
      }
    }
  }
}
