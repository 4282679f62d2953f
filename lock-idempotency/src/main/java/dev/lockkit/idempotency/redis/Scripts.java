package dev.lockkit.idempotency.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of {@link RedisIdempotencyStore}, one per SPI method, each on one key (so any key works on
 * Redis Cluster).
 *
 * <p>A record is a hash: {@code state} ({@code IN_PROGRESS} or {@code COMPLETED}), {@code fingerprint},
 * {@code fence} (decimal), and once completed either {@code value} (the success's bytes in base64, possibly
 * empty) or {@code failure_type} and {@code failure_message}. A token is a string, {@code unused} or {@code used}.
 * Times to live are the key's own ({@code PEXPIRE}, {@code SET ... PX}): expiry is on the server's clock, and an
 * expired key is absent to every script.
 *
 * <p>Fences are compared as decimal strings, never as numbers: Lua's numbers are doubles, which cannot tell
 * 2<sup>53</sup> from 2<sup>53</sup> + 1. Both sides are canonical (no sign, no leading zero: the client sends
 * {@code Long.toString} of a positive long, and the scripts store only what they checked), so the longer string
 * is the greater number, and of two of one length the first differing digit decides. Digits are compared byte
 * by byte with {@code string.byte}, not with Lua's {@code <} on strings, which follows the C library's locale
 * collation. Equal fences are equal strings.
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

  /** The fields of a record in the order every script that returns a record returns them. */
  static final String[] FIELDS = {"state", "fingerprint", "fence", "value", "failure_type", "failure_message"};

  private static final String PRELUDE = String.join("\n",
      "local function above(a, b)",
      "  if #a ~= #b then return #a > #b end",
      "  for i = 1, #a do",
      "    local x, y = string.byte(a, i), string.byte(b, i)",
      "    if x ~= y then return x > y end",
      "  end",
      "  return false",
      "end",
      "local function fence(s, what)",
      "  if type(s) ~= 'string' or #s > 19 or not string.match(s, '^[1-9][0-9]*$')",
      "      or above(s, '9223372036854775807') then",
      "    error('lockkit idempotency: ' .. what .. ' is not a positive long in decimal: ' .. tostring(s))",
      "  end",
      "  return s",
      "end",
      "local function record(key)",
      "  local r = redis.call('HMGET', key, 'state', 'fingerprint', 'fence', 'value', 'failure_type',",
      "      'failure_message')",
      "  if not r[1] then return nil end",
      "  if (r[1] ~= 'IN_PROGRESS' and r[1] ~= 'COMPLETED') or not r[2] then",
      "    error('lockkit idempotency: ' .. key .. ' is not a record of this store')",
      "  end",
      "  fence(r[3], 'the stored fence of ' .. key)",
      "  return r",
      "end",
      "");

  /**
   * KEYS: the record. ARGV: fingerprint, fence, ttl in ms. The rule of {@code ClaimResult.decide}; writes
   * {@code IN_PROGRESS} for {@code CLAIMED} and {@code TAKEN_OVER}. Returns {status} or {status, the record
   * found...}.
   */
  static final Script CLAIM = Script.of("claim", String.join("\n",
      "local f = fence(ARGV[2], 'the fence')",
      "local r = record(KEYS[1])",
      "local status = 'CLAIMED'",
      "if r then",
      "  if r[2] ~= ARGV[1] then return {'FINGERPRINT_MISMATCH', unpack(r)} end",
      "  if r[1] == 'COMPLETED' then return {'COMPLETED', unpack(r)} end",
      "  if not above(f, r[3]) then return {'IN_PROGRESS', unpack(r)} end",
      "  status = 'TAKEN_OVER'",
      "end",
      "redis.call('DEL', KEYS[1])",
      "redis.call('HSET', KEYS[1], 'state', 'IN_PROGRESS', 'fingerprint', ARGV[1], 'fence', f)",
      "redis.call('PEXPIRE', KEYS[1], ARGV[3])",
      "if r then return {status, unpack(r)} end",
      "return {status}"));

  /**
   * KEYS: the record. ARGV: fence, retention in ms, kind ({@code success} or {@code failure}), then the value in
   * base64, or the failure's type and message. 1 if the record was {@code IN_PROGRESS} under exactly the fence
   * and is now {@code COMPLETED}, or was {@code COMPLETED} under it already; else 0.
   */
  static final Script COMPLETE = Script.of("complete", String.join("\n",
      "local f = fence(ARGV[1], 'the fence')",
      "local r = record(KEYS[1])",
      "if r and r[1] == 'COMPLETED' and r[3] == f then return 1 end",
      "if not r or r[1] ~= 'IN_PROGRESS' or r[3] ~= f then return 0 end",
      "if ARGV[3] == 'success' then",
      "  redis.call('HSET', KEYS[1], 'state', 'COMPLETED', 'value', ARGV[4])",
      "else",
      "  redis.call('HSET', KEYS[1], 'state', 'COMPLETED', 'failure_type', ARGV[4], 'failure_message', ARGV[5])",
      "end",
      "redis.call('PEXPIRE', KEYS[1], ARGV[2])",
      "return 1"));

  /** KEYS: the record. ARGV: fence. 1 if the record was {@code IN_PROGRESS} under exactly the fence and is gone. */
  static final Script ABANDON = Script.of("abandon", String.join("\n",
      "local f = fence(ARGV[1], 'the fence')",
      "local r = record(KEYS[1])",
      "if not r or r[1] ~= 'IN_PROGRESS' or r[3] ~= f then return 0 end",
      "redis.call('DEL', KEYS[1])",
      "return 1"));

  /** KEYS: the record. The record's fields, or an empty array if there is none. */
  static final Script FIND = Script.of("find", String.join("\n",
      "local r = record(KEYS[1])",
      "if r then return r end",
      "return {}"));

  /** KEYS: the token. ARGV: ttl in ms. 1 if created unused, 0 if a live token exists. */
  static final Script ISSUE = Script.of("issue", String.join("\n",
      "if redis.call('SET', KEYS[1], 'unused', 'NX', 'PX', ARGV[1]) then return 1 end",
      "return 0"));

  /** KEYS: the token. 2 if it was unused and is now used (its TTL kept), 1 if used before, 0 if absent. */
  static final Script CONSUME = Script.of("consume", String.join("\n",
      "local v = redis.call('GET', KEYS[1])",
      "if not v then return 0 end",
      "if v == 'used' then return 1 end",
      "if v ~= 'unused' then error('lockkit idempotency: ' .. KEYS[1] .. ' is not a token of this store') end",
      "redis.call('SET', KEYS[1], 'used', 'KEEPTTL')",
      "return 2"));
}
