package dev.lockkit.idempotency.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The actions' side effect: a row per execution in the table {@code effects}, which has no unique constraint,
 * so that a second execution of a key is a second row. A row's {@code client/token} is the result its
 * execution returned.
 */
final class Effects {
  static final String CREATE = "CREATE TABLE IF NOT EXISTS effects (key VARCHAR(200) NOT NULL, "
      + "client VARCHAR(40) NOT NULL, token VARCHAR(60) NOT NULL)";

  private Effects() {}

  static void create(DataSource db) throws SQLException {
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute(CREATE);
    }
  }

  /** Inserts one effect on {@code c}, in whatever transaction it is in; returns the execution's result. */
  static String insert(Connection c, String key, String client, String token) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO effects (key, client, token) VALUES (?, ?, ?)")) {
      s.setString(1, key);
      s.setString(2, client);
      s.setString(3, token);
      s.executeUpdate();
    }
    return result(client, token);
  }

  static String result(String client, String token) {
    return client + "/" + token;
  }

  /** The effects of a run's keys: per key, the results of the executions that committed one. */
  static Map<String, List<String>> byKey(DataSource db, String runId) throws SQLException {
    Map<String, List<String>> effects = new HashMap<>();
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT key, client, token FROM effects WHERE key LIKE ?")) {
      s.setString(1, runId + "-%");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          effects.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(result(rs.getString(2), rs.getString(3)));
        }
      }
    }
    return effects;
  }
}
