package dev.lockkit.idempotency.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * A minimal connection pool for the tests, as applications run the store on one: {@code close()} of a handed-out
 * connection puts the physical one back as it is (so a store that left a connection's auto-commit or isolation
 * changed would leave it so for the next user), and the pool grows to the tests' concurrency. Without it every
 * operation on PostgreSQL would start a server process.
 */
final class ConnectionPool implements AutoCloseable {
  private final DataSource target;
  private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
  private final List<Connection> all = new ArrayList<>();

  ConnectionPool(DataSource target) {
    this.target = target;
  }

  /** A data source whose connections come from this pool. */
  DataSource dataSource() {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection") && method.getParameterCount() == 0) {
            return borrow();
          }
          throw new UnsupportedOperationException("the test pool has no " + method.getName());
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
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "close" -> {
              if (!closed.getAndSet(true)) {
                idle.add(c);
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
                throw e.getCause();
              }
            }
          }
        });
  }

  @Override
  public void close() {
    synchronized (all) {
      for (Connection c : all) {
        try {
          c.close();
        } catch (SQLException e) {
          // closing anyway: the server goes next
        }
      }
      all.clear();
    }
  }
}
