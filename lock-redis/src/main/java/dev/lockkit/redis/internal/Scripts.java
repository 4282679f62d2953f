package dev.lockkit.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts, each one round trip and atomic on the server. Each returns an array of integers or a bare
 * integer, which the drivers read as an array of that one integer ({@link Replies}).
 */
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

  /** How long a waiter's announcement outlives the holder's lease, in ms; see {@link #ACQUIRE}. */
  static final long ANNOUNCEMENT_SLACK_MILLIS = 2_000;

  /**
   * The lease a release grants a waiter ({@link #RELEASE}), in ms, for a waiter whose lease time is longer: the
   * waiter's client renews it to its own lease time within half of it. A waiter that cannot take it up (its
   * process died or was cut off just after it was announced) holds the lock back this long, not its whole lease time. A lease time
   * over 50 s gets a 25th of it, so that the client's safety margin (a 100th) leaves room for the renewal.
   */
  static final long GRANT_MILLIS = 2_000;

  /** The lease in ms a release grants a waiter whose lease time is {@code leaseMillis} ({@link #GRANT_MILLIS}). */
  static long grantMillis(long leaseMillis) {
    return Math.min(leaseMillis, Math.max(GRANT_MILLIS, leaseMillis / 25));
  }

  /** The message of a release that frees the lock: every waiter on the channel asks again. */
  static final String RELEASED = "released";

  /** The start of a release's message that grants the lock: {@code g <fence> <owner token>} ({@link #RELEASE}). */
  static final String GRANTED = "g ";

  /**
   * Lua functions the scripts that hand out a lock share: {@code advance(key, t, retention)} sets the fence key
   * to {@code max(old + 1, t in microseconds)} (t: a {@code TIME} reply; old: the fence key's value, 0 if none)
   * for the retention in ms and returns the fence and its text; {@code expiry(v)} reads the server time (ms) until
   * which an announcement holds from its value in the waiters hash ({@link #ACQUIRE}). The fence is written and
   * the old one read in one {@code SET ... GET} (Redis 6.2): the clock is ahead of the old fence unless it stepped
   * back, or two fences fell in one microsecond, and only then is it written again, as the old one plus one. The
   * clock's text is the reply's seconds and its microseconds padded to six digits, which costs the server less
   * than formatting the number; the number is read back from that text (16 digits, exact below 2^53).
   */
  private static final String FENCES = String.join("\n",
      "local function advance(key, t, retention)",
      "  local s = t[1] .. string.sub('00000' .. t[2], -6)",
      "  local fence = tonumber(s)",
      "  local old = tonumber(redis.call('SET', key, s, 'PX', retention, 'GET') or '0')",
      "  if old >= fence then",
      "    fence = old + 1",
      "    s = string.format('%.0f', fence)",
      "    redis.call('SET', key, s, 'PX', retention)",
      "  end",
      "  return fence, s",
      "end",
      "local function expiry(v)",
      "  return tonumber(string.match(v, '^%d+'))",
      "end");

  /**
   * KEYS: lock, fence, waiters. ARGV: owner token, lease ms, fence retention ms, flags, and only while yielding
   * after a first yield, the fence that yield began at. The flags are four characters {@code 0} or {@code 1}:
   * whether the acquisition yields, whether it announced itself before, whether a refusal announces it (a
   * single attempt never does), and whether its announcement accepts a grant ({@link #RELEASE}). Few arguments
   * on purpose: each one costs the client and the server, on every lock and unlock.
   *
   * <p>Takes the lock if free, then advances the fence to {@code max(old + 1, server time in microseconds)} so
   * that a server that restarted empty still hands out tokens above every earlier one, and keeps the fence for
   * the retention from now. That clock floor is also what lets an idle fence key expire: the next token of that
   * name is the clock, above every token handed out before as long as the clock has not stepped back by the
   * retention. Returns the fence, a bare integer, when taken (no array to build and read on the path every lock
   * takes), {0, pttl of the holder} when not. Microseconds since 1970 stay below 2^53, so Lua's doubles hold
   * them exactly. A lock that already holds this owner token was granted to it by the holder's release while
   * this try was on its way: the lease is set to start now, and the fence that grant advanced is returned, a win.
   *
   * <p>Waiters announce themselves: an acquisition that waits and finds the lock held puts its owner token in the
   * waiters hash, with the server time until which the announcement holds (the holder's PTTL plus
   * {@link #ANNOUNCEMENT_SLACK_MILLIS}: by then the waiter has asked again, woken by the release or by its
   * re-check), followed by {@code :<lease ms>} if it accepts a grant; a win takes it out. Small hashes keep their
   * fields in the order they were first set, so the release grants in the order the waiters came. An acquisition
   * that yields ({@link dev.lockkit.spi.AcquireRequest#yieldsToWaiters()}) does not take a free lock while another
   * acquisition's announcement holds: it announces itself too (so that a rival that yields later defers to it in
   * turn) and returns {2, ms until the first of those announcements runs out, the fence}. It yields only until
   * another acquisition won: once the fence is no longer the one its first yield saw, it asks as any other (so
   * two yielding clients never wait for each other). Expired announcements are dropped as they are read. Without
   * waiters nothing but the lock and the fence is touched.
   */
  static final Script ACQUIRE = Script.of("acquire", String.join("\n",
      FENCES,
      "local function nowms()",
      "  local t = redis.call('TIME')",
      "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "end",
      "local flags = ARGV[4]",
      "local function announce(now, ttl)",
      "  local v = string.format('%.0f', now + ttl)",
      "  if string.byte(flags, 4) == 49 then v = v .. ':' .. ARGV[2] end",
      "  redis.call('HSET', KEYS[3], ARGV[1], v)",
      "  if redis.call('PTTL', KEYS[3]) < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end",
      "end",
      "local f = string.byte(flags, 1) == 49 and (redis.call('GET', KEYS[2]) or '0')",
      "if f and (ARGV[5] == nil or ARGV[5] == f) then",
      "  local w = redis.call('HGETALL', KEYS[3])",
      "  if #w > 0 then",
      "    local now = nowms()",
      "    local wait = 0",
      "    for i = 1, #w, 2 do",
      "      local left = expiry(w[i + 1]) - now",
      "      if left <= 0 then",
      "        redis.call('HDEL', KEYS[3], w[i])",
      "      elseif w[i] ~= ARGV[1] and (wait == 0 or left < wait) then",
      "        wait = left",
      "      end",
      "    end",
      "    if wait > 0 then",
      "      announce(now, wait + " + ANNOUNCEMENT_SLACK_MILLIS + ")",
      "      return {2, wait, tonumber(f)}",
      "    end",
      "  end",
      "end",
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
      "  local fence = advance(KEYS[2], redis.call('TIME'), ARGV[3])",
      "  if string.byte(flags, 2) == 49 then redis.call('HDEL', KEYS[3], ARGV[1]) end",
      "  return fence",
      "end",
      "if string.byte(flags, 2) == 49 and redis.call('GET', KEYS[1]) == ARGV[1] then",
      "  redis.call('PEXPIRE', KEYS[1], ARGV[2])",
      "  return tonumber(redis.call('GET', KEYS[2]) or '0')",
      "end",
      "local pttl = redis.call('PTTL', KEYS[1])",
      "if string.byte(flags, 3) == 49 then",
      "  local held = pttl",
      "  if held < 0 then held = 0 end",
      "  announce(nowms(), held + " + ANNOUNCEMENT_SLACK_MILLIS + ")",
      "end",
      "return {0, pttl}"));

  /**
   * KEYS: waiters, lock, channel. ARGV: owner token, publish command. An acquisition that gave up without winning
   * takes its announcement back; if a release granted it the lock meanwhile ({@link #RELEASE}), it lets the lock
   * go again and wakes the waiters.
   */
  static final Script WITHDRAW = Script.of("withdraw", String.join("\n",
      "redis.call('HDEL', KEYS[1], ARGV[1])",
      "if redis.call('GET', KEYS[2]) == ARGV[1] then",
      "  redis.call('DEL', KEYS[2])",
      "  redis.call(ARGV[2], KEYS[3], '" + RELEASED + "')",
      "end",
      "return 1"));

  /** KEYS: lock. ARGV: owner token, lease ms. Extends the lease only if the token still holds it. */
  static final Script RENEW = Script.of("renew", String.join("\n",
      "if redis.call('GET', KEYS[1]) == ARGV[1] then",
      "  redis.call('PEXPIRE', KEYS[1], ARGV[2])",
      "  return {1}",
      "end",
      "return {0}"));

  /**
   * KEYS: lock, channel, waiters, fence. ARGV: owner token, publish command ({@code PUBLISH} or {@code SPUBLISH}),
   * fence retention ms. Only if the token holds the lock: if a waiter that accepts a grant is announced
   * ({@link #ACQUIRE}), the lock passes to the first of them in the same step: its owner token becomes the lock's
   * value with the lease {@link #grantMillis} gives that waiter's lease time, the fence advances as on an
   * acquisition, its announcement is taken out, and {@code g <fence> <owner token>} is published, so that the
   * waiter holds the lock without asking again and no other waiter asks in vain. Else the lock is deleted and
   * {@code released} published, which every waiter answers by asking again; with no announcement at all, nobody
   * waits (a waiting acquisition announces itself in the same step in which it finds the lock held), and the
   * lock is only deleted. Expired announcements are dropped as they are read. Returns 1 or 0, bare integers, as
   * it runs on every unlock.
   */
  static final Script RELEASE = Script.of("release", String.join("\n",
      "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end",
      "local w = redis.call('HGETALL', KEYS[3])",
      "if #w == 0 then",
      "  redis.call('DEL', KEYS[1])",
      "  return 1",
      "end",
      FENCES, // defined only on the way that needs them: each run of a script makes its functions anew
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "for i = 1, #w, 2 do",
      "  local v = w[i + 1]",
      "  local c = string.find(v, ':', 1, true)",
      "  if expiry(v) <= now then",
      "    redis.call('HDEL', KEYS[3], w[i])",
      "  elseif c then",
      "    redis.call('HDEL', KEYS[3], w[i])",
      "    local lease = tonumber(string.sub(v, c + 1))",
      "    local px = math.min(lease, math.max(" + GRANT_MILLIS + ", math.floor(lease / 25)))",
      "    redis.call('SET', KEYS[1], w[i], 'PX', px)",
      "    local _, s = advance(KEYS[4], t, ARGV[3])",
      "    redis.call(ARGV[2], KEYS[2], '" + GRANTED + "' .. s .. ' ' .. w[i])",
      "    return 1",
      "  end",
      "end",
      "redis.call('DEL', KEYS[1])",
      "redis.call(ARGV[2], KEYS[2], '" + RELEASED + "')",
      "return 1"));

  /**
   * KEYS: lock, channel. ARGV: owner token, keep ms, publish command ({@code PUBLISH} or {@code SPUBLISH}). A
   * minimum hold: only if the token holds the lock, its value becomes {@code kept:<token>}, which is no owner's
   * token (those are hex digits only), so that no acquisition gets in and the old owner's renew, confirm and
   * release find it not theirs; and its expiry becomes the keep time from now. Waiters are told on the channel:
   * their next try finds the lock held with the keep time as its PTTL and re-arms their fallback re-check at its
   * end, which is what frees them (nothing is published when a key expires), instead of at the old lease's end.
   * The fence key is left as it is.
   */
  static final Script KEEP = Script.of("keep", String.join("\n",
      "if redis.call('GET', KEYS[1]) == ARGV[1] then",
      "  redis.call('SET', KEYS[1], 'kept:' .. ARGV[1], 'PX', ARGV[2])",
      "  redis.call(ARGV[3], KEYS[2], 'kept')",
      "  return {1}",
      "end",
      "return {0}"));

  /** The eviction policies, in the order of the numbers {@link #EVICTION} returns. */
  static final java.util.List<String> POLICIES = java.util.List.of("noeviction", "allkeys-lru", "allkeys-lfu",
      "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl");

  /**
   * KEYS: any key of the namespace (it picks the node of a cluster). Returns {maxmemory in bytes, the index of
   * {@code maxmemory-policy} in {@link #POLICIES} or -1}, read from {@code INFO memory}, which a script may call
   * where {@code CONFIG GET} is refused or renamed.
   */
  static final Script EVICTION = Script.of("eviction", String.join("\n",
      "local info = redis.call('INFO', 'memory')",
      "local max = tonumber(string.match(info, 'maxmemory:(%d+)')) or 0",
      "local policy = string.match(info, 'maxmemory_policy:([%w%-]+)') or ''",
      "local known = {" + String.join(", ", POLICIES.stream().map(p -> "'" + p + "'").toList()) + "}",
      "for i, p in ipairs(known) do",
      "  if p == policy then return {max, i - 1} end",
      "end",
      "return {max, -1}"));
}
