package dev.lockkit.redis.internal;

/**
 * An application's driver client that lockkit cannot build on: a Lettuce {@code RedisClient} without a default
 * URI, a Jedis client over a connection provider lockkit cannot take connections of its own from. Bad input,
 * thrown through {@link RedisBackend#open} as it is, not as a server failure.
 */
final class UnfitClient extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UnfitClient(String message, Throwable cause) {
    super(message, cause);
  }

  UnfitClient(String message) {
    super(message);
  }
}
