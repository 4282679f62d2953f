package dev.lockkit.internal;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Owner tokens: 128 random bits from {@link SecureRandom}, as 32 lower-case hex digits. And fencing tokens: the
 * server's token times 1,024 plus the index of the local hand-off, so that a lock passed between threads of
 * one client without a round trip still gives each holder a larger token, and the next acquisition on the
 * server (whose token is at least one larger) gives a larger one still.
 */
public final class Tokens {
  /** Bits of a fencing token that count local hand-offs. */
  static final int LOCAL_BITS = 10;
  /** The largest server token that still fits a fencing token once shifted. */
  static final long MAX_SERVER_TOKEN = Long.MAX_VALUE >>> LOCAL_BITS;
  /**
   * One generator per thread: the platform's default ({@code NativePRNG} on Linux) serializes every caller on one
   * lock around its read of {@code /dev/urandom}, which many threads locking distinct names contend for. Each
   * thread's instance is seeded by the platform on first use; a {@code DRBG} where the platform has one.
   */
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Tokens::newRandom);
  private static final HexFormat HEX = HexFormat.of();

  private Tokens() {}

  /** A fresh owner token. */
  public static String next() {
    byte[] bytes = new byte[16];
    RANDOM.get().nextBytes(bytes);
    return HEX.formatHex(bytes);
  }

  private static SecureRandom newRandom() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }

  /** The fencing token of the {@code index}-th holder (0 for the one that acquired on the server). */
  static long fencing(long serverToken, int index) {
    return (serverToken << LOCAL_BITS) | index;
  }
}
