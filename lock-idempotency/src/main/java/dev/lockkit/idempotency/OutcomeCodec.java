package dev.lockkit.idempotency;

import java.nio.charset.StandardCharsets;

/**
 * Turns an action's result into the bytes a store keeps, and back for a replay. {@code decode(encode(r))} must
 * equal {@code r} as far as the caller cares; a codec that throws from {@code encode} fails the request (the
 * claim is given up, as for a failure that is not stored), one that throws from {@code decode} fails the
 * replay. For JSON, implement it over the application's own mapper.
 *
 * @param <R> the result type
 */
public interface OutcomeCodec<R> {

  /**
   * Encodes a result.
   *
   * @param result the action's result, not null
   * @return the bytes to store
   */
  byte[] encode(R result);

  /**
   * Decodes what {@link #encode} made.
   *
   * @param bytes stored bytes
   * @return the result
   */
  R decode(byte[] bytes);

  /**
   * Strings as UTF-8.
   *
   * @return the codec
   */
  static OutcomeCodec<String> utf8() {
    return Codecs.UTF8;
  }

  /**
   * Bytes as they are (copied both ways).
   *
   * @return the codec
   */
  static OutcomeCodec<byte[]> bytes() {
    return Codecs.BYTES;
  }

  /** The codecs above, as constants. */
  final class Codecs {
    private static final OutcomeCodec<String> UTF8 = new OutcomeCodec<>() {
      @Override
      public byte[] encode(String result) {
        return result.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };

    private static final OutcomeCodec<byte[]> BYTES = new OutcomeCodec<>() {
      @Override
      public byte[] encode(byte[] result) {
        return result.clone();
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes.clone();
      }
    };

    private Codecs() {}
  }
}
