package dev.lockkit.idempotency;

import dev.lockkit.idempotency.internal.Checks;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The lockkit lock name of a key's claim: {@code <prefix>/<scope>/<key>} when scope and key are valid lock-name
 * segments and the whole fits in a lock name, else each part that is not (or the key, if the whole is too long)
 * replaced by {@code sha256-<64 hex digits of its UTF-8>}. The name only decides which keys contend; records are
 * keyed by the exact {@link IdempotencyKey#storeKey()}, so two keys that met on one lock name (a hash collision,
 * or a key spelled like a hash) would wait for each other, never share an outcome.
 */
final class LockNames {
  /** lockkit's longest lock name (dev.lockkit.internal.Names, which is not exported to this module). */
  static final int MAX_LOCK_NAME = 200;
  /** The longest prefix: with a hashed scope and key ({@value #HASHED} chars each) a name stays within 200. */
  static final int MAX_PREFIX = 50;
  private static final int HASHED = 7 + 64;
  /** One segment of a lockkit lock name, as dev.lockkit.internal.Names checks it. */
  private static final Pattern SEGMENT = Pattern.compile("[\\p{L}\\p{N}_\\-.:@=+#,~!]+");

  private LockNames() {}

  /** Checks a prefix: 1 to {@value #MAX_PREFIX} chars, lock-name segments separated by {@code /}. */
  static String checkPrefix(String prefix) {
    Checks.notNull(prefix, "lockNamePrefix");
    Checks.argument(!prefix.isEmpty() && prefix.length() <= MAX_PREFIX,
        "lockNamePrefix must be 1 to %s characters, was %s characters", MAX_PREFIX, prefix.length());
    for (String segment : prefix.split("/", -1)) {
      Checks.argument(isSegment(segment), "lockNamePrefix must be segments of letters, digits and any of "
          + "_-.:@=+#,~! separated by single '/' (no '.' or '..' segment), was '%s'", prefix);
    }
    return prefix;
  }

  static String of(String prefix, IdempotencyKey key) {
    String scope = isSegment(key.scope()) ? key.scope() : hashed(key.scope());
    String plain = prefix + "/" + scope + "/" + key.key();
    if (isSegment(key.key()) && plain.length() <= MAX_LOCK_NAME) {
      return plain;
    }
    return prefix + "/" + scope + "/" + hashed(key.key());
  }

  private static boolean isSegment(String s) {
    return !s.equals(".") && !s.equals("..") && SEGMENT.matcher(s).matches();
  }

  private static String hashed(String s) {
    return "sha256-" + HexFormat.of().formatHex(Fingerprints.newDigest().digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
