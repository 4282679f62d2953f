package dev.lockkit.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FingerprintsTest {

  @Test
  void aFingerprintIsTheSha256OfTheLengthPrefixedParts() {
    // SHA-256 of 00 00 00 03 'a' 'b' 'c'
    assertThat(Fingerprints.sha256("abc".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(java.util.HexFormat.of().formatHex(Fingerprints.newDigest()
            .digest(new byte[] {0, 0, 0, 3, 'a', 'b', 'c'})))
        .hasSize(64).matches("[0-9a-f]{64}");
  }

  @Test
  void partBoundariesCount() {
    assertThat(Fingerprints.sha256Utf8("ab", "c")).isNotEqualTo(Fingerprints.sha256Utf8("a", "bc"));
    assertThat(Fingerprints.sha256Utf8("abc")).isNotEqualTo(Fingerprints.sha256Utf8("abc", ""));
    assertThat(Fingerprints.sha256Utf8("POST", "/pay", "\u00e9"))
        .isEqualTo(Fingerprints.sha256("POST".getBytes(StandardCharsets.UTF_8), "/pay".getBytes(StandardCharsets.UTF_8),
            "\u00e9".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void nullPartsAreRefusedByIndex() {
    assertThatThrownBy(() -> Fingerprints.sha256(new byte[0], null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parts[1] must not be null");
    assertThatThrownBy(() -> Fingerprints.sha256Utf8((String[]) null)).hasMessage("parts must not be null");
  }
}
