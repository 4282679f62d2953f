package dev.lockkit.idempotency.jdbc;

import dev.lockkit.fencing.jdbc.SqlDialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** A real database for one test class: H2 in memory, or PostgreSQL from zonky's binaries. */
interface Database extends AutoCloseable {
  DataSource dataSource();

  SqlDialect dialect();

  @Override
  void close();

  /** Runs statements on a connection of its own, auto-committed. */
  default void execute(String... sql) throws SQLException {
    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
      for (String each : sql) {
        s.execute(each);
      }
    }
  }

  /** A store with the default tables, created. */
  default JdbcIdempotencyStore store() {
    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(dataSource()).build();
    store.createTablesIfMissing();
    return store;
  }

  /** An in-memory H2 database of its own name, kept until closed; lock waits up to 20 s. */
  static Database h2(String name) {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=20000");
    h2.setUser("sa");
    return new Database() {
      @Override
      public DataSource dataSource() {
        return h2;
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

  /** A PostgreSQL server of its own, its connections pooled, stopped and its data removed on close. */
  static Database postgres() {
    PostgresServer server = PostgresServer.start();
    ConnectionPool pool = new ConnectionPool(server.dataSource());
    DataSource dataSource = pool.dataSource();
    return new Database() {
      @Override
      public DataSource dataSource() {
        return dataSource;
      }

      @Override
      public SqlDialect dialect() {
        return SqlDialect.POSTGRESQL;
      }

      @Override
      public void close() {
        pool.close();
        server.close();
      }
    };
  }
}
