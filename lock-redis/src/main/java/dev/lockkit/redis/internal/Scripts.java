package dev.lockkit.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The three Lua scripts, each one round trip and atomic on the server. All return arrays of integers. */
final class Scripts {
  private Scripts() {}

  /** A script and its SHA-1, by which it is called. */
  record Script(String name, String source, String sha) {
    static Script of(String name, String source) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        return new Script(name, source, HexFormat.of().formatHex(digest));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is missing from this JVM", e);
      }
    }
  }

  /**
   * KEYS: lock, fence. ARGV: owner token, lease ms. Takes the lock if free, then advances the fence to
   * {@code max(old + 1, server time in microseconds)} so that a server that restarted empty still hands out
   * tokens above every earlier one. Returns {1, fence} when taken, {0, pttl of the holder} when not.
   * Microseconds since 1970 stay below 2^53, so Lua's doubles hold them exactly.
   */
  static final Script ACQUIRE = Script.of("acquire", String.join("\n",
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
      "  local t = redis.call('TIME')",
      "  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])",
      "  local old = tonumber(redis.call('GET', KEYS[2]) or '0')",
      "  local fence = old + 1",
      "  if now > fence then fence = now end",
      "  redis.call('SET', KEYS[2], string.format('%.0f', fence))",
      "  return {1, fence}",
      "end",
      "return {0, redis.call('PTTL', KEYS[1])}"));

  /** KEYS: lock. ARGV: owner token, lease ms. Extends the lease only if the token still holds it. */
  static final Script RENEW = Script.of("renew", String.join("\n",
      "if redis.call('GET', KEYS[1]) == ARGV[1] then",
      "  redis.call('PEXPIRE', KEYS[1], ARGV[2])",
      "  return {1}",
      "end",
      "return {0}"));

  /**
   * KEYS: lock, channel. ARGV: owner token, publish command ({@code PUBLISH} or {@code SPUBLISH}). Deletes the
   * lock only if the token holds it, and tells waiters on the channel.
   */
  static final Script RELEASE = Script.of("release", String.join("\n",
      "if redis.call('GET', KEYS[1]) == ARGV[1] then",
      "  redis.call('DEL', KEYS[1])",
      "  redis.call(ARGV[2], KEYS[2], 'released')",
      "  return {1}",
      "end",
      "return {0}"));
}
