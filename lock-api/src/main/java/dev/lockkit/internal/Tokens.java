package dev.lockkit.internal;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Owner tokens: 128 random bits from {@link SecureRandom}, as 32 lower-case hex digits. */
public final class Tokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private Tokens() {}

  /** A fresh owner token. */
  public static String next() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HEX.formatHex(bytes);
  }
}
