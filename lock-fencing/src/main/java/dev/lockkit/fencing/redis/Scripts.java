package dev.lockkit.fencing.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts, one key each (so any key works on Redis Cluster). A fenced value is a hash:
 * {@code value} (absent after a delete) and {@code fence}, the decimal token of the last accepted write.
 *
 * <p>Tokens are compared as decimal strings, never as numbers: Lua's numbers in Redis are doubles, which cannot
 * tell 2<sup>53</sup> from 2<sup>53</sup> + 1, and Redis tokens are above 2<sup>53</sup>. Both sides are
 * canonical (no sign, no leading zero; the client sends {@code Long.toString} of a positive long, and the
 * scripts store only what they checked), so the longer string is the greater number, and of two strings of one
 * length the first differing digit decides. The digits are compared byte by byte, not with Lua's {@code <} on
 * strings, which goes through the C library's locale collation.
 */
final class Scripts {
  private Scripts() {}

  /** A script and its SHA-1, by which it is called. */
  record Script(String name, String source, String sha) {
    static Script of(String name, String body) {
      String source = PRELUDE + body;
      try {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        return new Script(name, source, HexFormat.of().formatHex(digest));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is missing from this JVM", e);
      }
    }
  }

  private static final String PRELUDE = String.join("\n",
      "local function above(a, b)",
      "  if #a ~= #b then return #a > #b end",
      "  for i = 1, #a do",
      "    local x, y = string.byte(a, i), string.byte(b, i)",
      "    if x ~= y then return x > y end",
      "  end",
      "  return false",
      "end",
      "local function token(s, what)",
      "  if type(s) ~= 'string' or #s > 19 or not string.match(s, '^[1-9][0-9]*$') then",
      "    error('lockkit fencing: ' .. what .. ' is not a positive decimal token: ' .. tostring(s))",
      "  end",
      "  if above(s, '9223372036854775807') then",
      "    error('lockkit fencing: ' .. what .. ' is above the long range: ' .. s)",
      "  end",
      "  return s",
      "end",
      "");

  /**
   * KEYS: the value's key. ARGV: token, value, ttl in ms ({@code 0}: none). Writes value and fence if the stored
   * fence is absent or below the token; sets the TTL, or removes an earlier one as {@code SET} does. 1 if written,
   * 0 if refused.
   */
  static final Script SET = Script.of("set", String.join("\n",
      "local t = token(ARGV[1], 'the token')",
      "local stored = redis.call('HGET', KEYS[1], 'fence')",
      "if stored and not above(t, token(stored, 'the stored fence')) then return 0 end",
      "redis.call('HSET', KEYS[1], 'value', ARGV[2], 'fence', t)",
      "if ARGV[3] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[3]) end",
      "return 1"));

  /** KEYS: the value's key. Returns {value, fence}; nil elements where absent. */
  static final Script GET = Script.of("get", "return redis.call('HMGET', KEYS[1], 'value', 'fence')");

  /**
   * KEYS: the value's key. ARGV: token, ttl in ms of what remains ({@code 0}: leave the key's TTL as it is).
   * If the stored fence is absent or not above the token, removes the value and keeps the fence, raised to the
   * token, as a tombstone that still refuses older tokens. 1 if done, 0 if refused.
   */
  static final Script DELETE = Script.of("delete", String.join("\n",
      "local t = token(ARGV[1], 'the token')",
      "local stored = redis.call('HGET', KEYS[1], 'fence')",
      "if stored and above(token(stored, 'the stored fence'), t) then return 0 end",
      "redis.call('HDEL', KEYS[1], 'value')",
      "redis.call('HSET', KEYS[1], 'fence', t)",
      "if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end",
      "return 1"));
}
