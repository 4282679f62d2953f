package dev.lockkit.fencing.jdbc;

import dev.lockkit.fencing.FencingException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The databases the JDBC helpers write to. They differ in the insert-or-update statement: PostgreSQL runs
 * {@code INSERT ... ON CONFLICT ... DO UPDATE ... WHERE} (atomic under concurrent inserts, and available on every
 * supported version, while {@code MERGE} exists only from PostgreSQL 15); H2 runs the standard
 * {@code MERGE INTO ... USING ... WHEN MATCHED AND ... WHEN NOT MATCHED}.
 */
public enum SqlDialect {
  /** PostgreSQL 12 and newer. */
  POSTGRESQL("PostgreSQL"),
  /** H2 2.x. */
  H2("H2");

  private final String productName;

  SqlDialect(String productName) {
    this.productName = productName;
  }

  /**
   * The name the database's JDBC driver reports through {@link java.sql.DatabaseMetaData#getDatabaseProductName()}.
   *
   * @return the product name, for example {@code PostgreSQL}
   */
  public String productName() {
    return productName;
  }

  /**
   * The dialect of the database behind {@code connection}, from its product name.
   *
   * @param connection an open connection
   * @return the dialect
   * @throws IllegalArgumentException if the database is none of the supported ones
   * @throws FencingException if the driver cannot tell its database's name
   */
  public static SqlDialect of(Connection connection) {
    String name;
    try {
      name = connection.getMetaData().getDatabaseProductName();
    } catch (SQLException e) {
      throw new FencingException("cannot read the database's product name from the connection: " + e.getMessage(),
          e.getSQLState(), e);
    }
    for (SqlDialect d : values()) {
      if (d.productName.equalsIgnoreCase(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException("connection: the database '" + name + "' is not supported by lockkit's fenced "
        + "writes; supported are " + Arrays.stream(values()).map(SqlDialect::productName)
        .collect(Collectors.joining(", ")));
  }
}
