package dev.lockkit.idempotency.faults;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A small connection pool for the fault clients, as an application runs on one, but one that survives dropped
 * connections: a connection that threw a connection-class error ({@code 08xxx}, or no SQL state, as an I/O error
 * gives) or was closed by the driver is thrown away when it is given back, not handed out again; one given back
 * inside a transaction is rolled back first. The physical connections have a socket timeout, so a blackholed
 * connection fails instead of hanging.
 */
final class PooledDataSource implements AutoCloseable {
  private final PGSimpleDataSource target = new PGSimpleDataSource();
  private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
  private final List<Connection> all = new ArrayList<>();

  /** A pool on {@code jdbcUrl} (user and database in the URL), with connect and socket timeouts added. */
  PooledDataSource(String jdbcUrl) {
    target.setURL(jdbcUrl);
    target.setConnectTimeout(5);
    target.setSocketTimeout(15);
    target.setTcpKeepAlive(true);
  }

  DataSource dataSource() {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection") && method.getParameterCount() == 0) {
            return borrow();
          }
          throw new UnsupportedOperationException("the fault pool has no " + method.getName());
        });
  }

  private Connection borrow() throws SQLException {
    Connection physical = idle.poll();
    if (physical == null) {
      physical = target.getConnection();
      synchronized (all) {
        all.add(physical);
      }
    }
    Connection c = physical;
    AtomicBoolean closed = new AtomicBoolean();
    AtomicBoolean broken = new AtomicBoolean();
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "close" -> {
              if (!closed.getAndSet(true)) {
                giveBack(c, broken.get());
              }
              return null;
            }
            case "isClosed" -> {
              return closed.get();
            }
            default -> {
              if (closed.get()) {
                throw new SQLException("connection returned to the pool", "08003");
              }
              try {
                return method.invoke(c, args);
              } catch (InvocationTargetException e) {
                if (e.getCause() instanceof SQLException s
                    && (s.getSQLState() == null || s.getSQLState().startsWith("08"))) {
                  broken.set(true);
                }
                throw e.getCause();
              }
            }
          }
        });
  }

  private void giveBack(Connection c, boolean broken) {
    boolean keep = !broken;
    try {
      if (keep && c.isClosed()) {
        keep = false;
      }
      if (keep && !c.getAutoCommit()) {
        c.rollback();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      keep = false;
    }
    if (keep) {
      idle.add(c);
      return;
    }
    synchronized (all) {
      all.remove(c);
    }
    try {
      c.close();
    } catch (SQLException e) {
      // thrown away anyway
    }
  }

  @Override
  public void close() {
    synchronized (all) {
      for (Connection c : all) {
        try {
          c.close();
        } catch (SQLException e) {
          // closing anyway
        }
      }
      all.clear();
    }
  }
}
