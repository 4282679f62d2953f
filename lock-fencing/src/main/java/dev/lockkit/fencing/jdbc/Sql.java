package dev.lockkit.fencing.jdbc;

import dev.lockkit.fencing.FencingException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** What both JDBC helpers share: identifier checks, token checks, running a statement, wrapping failures. */
final class Sql {
  /** Unquoted identifiers only: PostgreSQL folds them to lower case, H2 to upper, as it does the user's DDL. */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /** The SQL state of a unique-key violation. */
  static final String UNIQUE_VIOLATION = "23505";

  private Sql() {}

  /** {@code name} if it is a plain SQL identifier; IAE naming {@code what} otherwise. */
  static String identifier(String what, @Nullable String name) {
    if (name == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " '" + name + "' is not a plain SQL identifier: allowed are a "
          + "letter or '_' followed by up to 62 letters, digits or '_' (no quotes, spaces, dots or other signs)");
    }
    return name;
  }

  /** {@code name} if it is an identifier, or two joined by one dot ({@code schema.table}); IAE otherwise. */
  static String qualifiedName(String what, @Nullable String name) {
    if (name == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException(what + " '" + name + "' has more than one '.': allowed are 'table' and "
          + "'schema.table', each part a plain SQL identifier");
    }
    for (String part : parts) {
      if (!IDENTIFIER.matcher(part).matches()) {
        throw new IllegalArgumentException(what + " '" + name + "' is not a table name: allowed are 'table' and "
            + "'schema.table', each part a letter or '_' followed by up to 62 letters, digits or '_' (no quotes, "
            + "spaces or other signs)");
      }
    }
    return name;
  }

  /** The key under which the database compares two unquoted identifiers. */
  static String folded(String identifier) {
    return identifier.toLowerCase(Locale.ROOT);
  }

  static long positiveToken(long token) {
    if (token <= 0) {
      throw new IllegalArgumentException("token must be positive (a lease's fencingToken()), was " + token);
    }
    return token;
  }

  static <T> T nonNull(String what, @Nullable T value) {
    if (value == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    return value;
  }

  /** Runs {@code sql} with {@code params} bound in order; the update count. */
  static int update(Connection c, String sql, List<@Nullable Object> params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      return ps.executeUpdate();
    }
  }

  /** The first column of the first row of {@code sql} as a long, or empty when there is no row. */
  static OptionalLong queryLong(Connection c, String sql, List<@Nullable Object> params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  private static void bind(PreparedStatement ps, List<@Nullable Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      ps.setObject(i + 1, params.get(i));
    }
  }

  static FencingException failure(String what, SQLException e) {
    return new FencingException(what + " failed (SQL state " + e.getSQLState() + "): " + e.getMessage(),
        e.getSQLState(), e);
  }
}
