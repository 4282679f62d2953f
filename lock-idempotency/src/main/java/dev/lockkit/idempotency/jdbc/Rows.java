package dev.lockkit.idempotency.jdbc;

import dev.lockkit.idempotency.IdempotencyStoreException;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/** Reads a record from a row of {@link Statements}' record reads. */
final class Rows {
  private Rows() {}

  /**
   * The record in the current row: columns 1 to 6 are state, fingerprint, fence, outcome value, failure type
   * and failure message.
   *
   * @throws IdempotencyStoreException if the row holds what this store never writes
   */
  static StoredRecord record(ResultSet rs, String key) throws SQLException {
    String state = rs.getString(1);
    String fingerprint = text(rs.getBytes(2), "fingerprint", key);
    long fence = rs.getLong(3);
    byte[] value = rs.getBytes(4);
    byte[] failureType = rs.getBytes(5);
    byte[] failureMessage = rs.getBytes(6);
    try {
      if ("IN_PROGRESS".equals(state)) {
        return StoredRecord.inProgress(fingerprint, fence);
      }
      if (!"COMPLETED".equals(state)) {
        throw new IllegalArgumentException("the state '" + state + "' is none of IN_PROGRESS, COMPLETED");
      }
      Outcome outcome = value != null ? Outcome.success(value)
          : Outcome.failure(text(failureType, "failure_type", key), text(failureMessage, "failure_message", key));
      return StoredRecord.completed(fingerprint, fence, outcome);
    } catch (IllegalArgumentException e) {
      throw new IdempotencyStoreException("the row of '" + key + "' holds a record this store did not write: "
          + e.getMessage(), e);
    }
  }

  private static String text(byte @Nullable [] bytes, String column, String key) {
    if (bytes == null) {
      throw new IdempotencyStoreException("the row of '" + key + "' has no " + column);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IdempotencyStoreException("the " + column + " of '" + key + "' is not UTF-8", e);
    }
  }
}
