package dev.lockkit.idempotency;

import dev.lockkit.idempotency.internal.Checks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Fingerprints of requests: what {@link IdempotencyGuard#execute} compares to tell a true duplicate (same key,
 * same request) from a reused key (same key, another request). Fingerprint what makes the request that request:
 * the method, the path, the body, the parameters that change the outcome; not headers that differ between
 * retries (a trace id, a timestamp).
 */
public final class Fingerprints {
  private Fingerprints() {}

  /**
   * The SHA-256 of the parts, in lower-case hex (64 chars). Each part is hashed preceded by its length (4 bytes,
   * big-endian), so that the boundaries count: {@code ("ab", "c")} and {@code ("a", "bc")} differ.
   *
   * @param parts the parts, in a fixed order; none null
   * @return 64 lower-case hex digits
   * @throws IllegalArgumentException if {@code parts} or a part is null, naming its index
   */
  public static String sha256(byte[]... parts) {
    Checks.notNull(parts, "parts");
    MessageDigest digest = newDigest();
    for (int i = 0; i < parts.length; i++) {
      byte[] part = Checks.notNull(parts[i], "parts[" + i + "]");
      digest.update(ByteBuffer.allocate(4).putInt(part.length).array());
      digest.update(part);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * {@link #sha256(byte[]...)} of the parts in UTF-8.
   *
   * @param parts the parts, in a fixed order; none null
   * @return 64 lower-case hex digits
   * @throws IllegalArgumentException if {@code parts} or a part is null, naming its index
   */
  public static String sha256Utf8(String... parts) {
    Checks.notNull(parts, "parts");
    byte[][] bytes = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      bytes[i] = Checks.notNull(parts[i], "parts[" + i + "]").getBytes(StandardCharsets.UTF_8);
    }
    return sha256(bytes);
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
