package dev.lockkit.idempotency.jdbc;

import dev.lockkit.fencing.jdbc.SqlDialect;
import java.util.List;

/**
 * The SQL of {@link JdbcIdempotencyStore} for one dialect and one pair of tables. The dialects differ in the
 * binary types and in the clock: PostgreSQL's {@code clock_timestamp()} is the time of the call (its {@code
 * CURRENT_TIMESTAMP} is the transaction's start); H2's {@code CURRENT_TIMESTAMP} is the start of the current
 * transaction, which for the store's one-operation transactions is the time of its first statement.
 */
final class Statements {
  /** The columns every record read selects, in this order, then whether the row is live (1) or expired (0). */
  private static final String RECORD_COLUMNS =
      "state, fingerprint, fence, outcome_value, failure_type, failure_message";

  final List<String> ddl;
  final String lockRecord;
  final String findRecord;
  final String insertRecord;
  final String reclaimRecord;
  final String completeRecord;
  final String deleteRecord;
  final String lockToken;
  final String insertToken;
  final String reissueToken;
  final String useToken;
  final String purgeRecords;
  final String purgeTokens;

  Statements(SqlDialect dialect, String records, String tokens) {
    boolean pg = dialect == SqlDialect.POSTGRESQL;
    String now = pg ? "clock_timestamp()" : "CURRENT_TIMESTAMP";
    // the time to live is bound as a BIGINT of milliseconds
    String expiry = pg ? "clock_timestamp() + CAST(? AS BIGINT) * INTERVAL '1 millisecond'"
        : "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)";
    String bytes = pg ? "BYTEA" : "VARBINARY";
    String blob = pg ? "BYTEA" : "BLOB";
    String live = "CASE WHEN expires_at > " + now + " THEN 1 ELSE 0 END";
    ddl = List.of(
        "CREATE TABLE IF NOT EXISTS " + records + " ("
            + "store_key VARCHAR(1024) NOT NULL PRIMARY KEY, "
            + "state VARCHAR(11) NOT NULL, "
            + "fingerprint " + bytes + " NOT NULL, "
            + "fence BIGINT NOT NULL, "
            + "outcome_value " + blob + ", "
            + "failure_type " + bytes + ", "
            + "failure_message " + bytes + ", "
            + "expires_at TIMESTAMP WITH TIME ZONE NOT NULL)",
        "CREATE TABLE IF NOT EXISTS " + tokens + " ("
            + "store_key VARCHAR(1024) NOT NULL PRIMARY KEY, "
            + "used BOOLEAN NOT NULL, "
            + "expires_at TIMESTAMP WITH TIME ZONE NOT NULL)");
    lockRecord = "SELECT " + RECORD_COLUMNS + ", " + live + " FROM " + records + " WHERE store_key = ? FOR UPDATE";
    findRecord = "SELECT " + RECORD_COLUMNS + ", 1 FROM " + records + " WHERE store_key = ? AND expires_at > "
        + now;
    insertRecord = "INSERT INTO " + records + " (store_key, state, fingerprint, fence, expires_at) "
        + "VALUES (?, 'IN_PROGRESS', ?, ?, " + expiry + ")";
    reclaimRecord = "UPDATE " + records + " SET state = 'IN_PROGRESS', fingerprint = ?, fence = ?, "
        + "outcome_value = NULL, failure_type = NULL, failure_message = NULL, expires_at = " + expiry
        + " WHERE store_key = ?";
    completeRecord = "UPDATE " + records + " SET state = 'COMPLETED', outcome_value = ?, failure_type = ?, "
        + "failure_message = ?, expires_at = " + expiry + " WHERE store_key = ?";
    deleteRecord = "DELETE FROM " + records + " WHERE store_key = ?";
    lockToken = "SELECT used, " + live + " FROM " + tokens + " WHERE store_key = ? FOR UPDATE";
    insertToken = "INSERT INTO " + tokens + " (store_key, used, expires_at) VALUES (?, FALSE, " + expiry + ")";
    reissueToken = "UPDATE " + tokens + " SET used = FALSE, expires_at = " + expiry + " WHERE store_key = ?";
    useToken = "UPDATE " + tokens + " SET used = TRUE WHERE store_key = ?";
    purgeRecords = "DELETE FROM " + records + " WHERE expires_at <= " + now;
    purgeTokens = "DELETE FROM " + tokens + " WHERE expires_at <= " + now;
  }
}
