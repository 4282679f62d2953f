package dev.lockkit.fencing.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A real database for one test class: H2 in memory, or PostgreSQL from zonky's binaries. */
interface Database extends AutoCloseable {
  Connection connect() throws SQLException;

  SqlDialect dialect();

  @Override
  void close();

  /** Runs statements on a connection of its own, auto-committed. */
  default void execute(String... sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      for (String each : sql) {
        s.execute(each);
      }
    }
  }

  /** An in-memory H2 database of its own name, kept until closed; lock waits up to 20 s. */
  static Database h2(String name) {
    String url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=20000";
    return new Database() {
      @Override
      public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, "sa", "");
      }

      @Override
      public SqlDialect dialect() {
        return SqlDialect.H2;
      }

      @Override
      public void close() {
        try {
          execute("SHUTDOWN");
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  /** A PostgreSQL server of its own, stopped and its data removed on close. */
  static Database postgres() {
    PostgresServer server = PostgresServer.start();
    return new Database() {
      @Override
      public Connection connect() throws SQLException {
        return server.connect();
      }

      @Override
      public SqlDialect dialect() {
        return SqlDialect.POSTGRESQL;
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }
}
