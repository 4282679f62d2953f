package dev.lockkit.idempotency.spi;

/** What {@link IdempotencyStore#consumeToken(String)} found. */
public enum ConsumeResult {
  /** The token was live and unused; this call marked it used. Exactly one call per issued token gets this. */
  CONSUMED,
  /** The token is live but was consumed before; nothing changed. */
  ALREADY_USED,
  /** No live token of that key: never issued, or expired (used or not); nothing changed. */
  UNKNOWN
}
