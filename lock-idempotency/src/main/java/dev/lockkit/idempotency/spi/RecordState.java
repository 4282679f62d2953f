package dev.lockkit.idempotency.spi;

/** The state of a stored record. */
public enum RecordState {
  /** A request holds the key's claim and has not stored an outcome; the record carries no outcome. */
  IN_PROGRESS,
  /** The outcome is stored and is replayed to every later request with the key until the record expires. */
  COMPLETED
}
