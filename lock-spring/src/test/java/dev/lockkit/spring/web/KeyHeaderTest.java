package dev.lockkit.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading the header's value (bare or as an RFC 8941 string), and the codec of stored responses. */
class KeyHeaderTest {

  @Test
  void aBareValueIsTheKeyAndAQuotedOneIsUnescaped() {
    assertThat(KeyHeader.parse(List.of("8e03978e-40d5-43e8-bc93-6894a57f9324")).key())
        .isEqualTo("8e03978e-40d5-43e8-bc93-6894a57f9324");
    assertThat(KeyHeader.parse(List.of("\"8e03978e\"")).key()).isEqualTo("8e03978e");
    assertThat(KeyHeader.parse(List.of("\"a\\\"b\\\\c\"")).key()).isEqualTo("a\"b\\c");
    assertThat(KeyHeader.parse(List.of())).isNull();
  }

  @Test
  void badValuesAreRefusedWithTheRule() {
    assertThat(KeyHeader.parse(List.of("")).problem()).contains("is empty");
    assertThat(KeyHeader.parse(List.of("\"\"")).problem()).contains("is empty");
    assertThat(KeyHeader.parse(List.of("\"a\\nb\"")).problem()).contains("not a valid quoted string");
    assertThat(KeyHeader.parse(List.of("\"a\"b\"")).problem()).contains("not a valid quoted string");
    assertThat(KeyHeader.parse(List.of("a\u0001b")).problem()).contains("control character at index 1");
    assertThat(KeyHeader.parse(List.of("a", "b")).problem()).contains("given 2 times");
    assertThat(KeyHeader.parse(List.of("x".repeat(256))).problem()).contains("the limit is 255 characters");
    assertThat(KeyHeader.parse(List.of("x".repeat(255))).key()).hasSize(255);
  }

  @Test
  void aStoredResponseSurvivesTheCodecByteForByte() {
    byte[] body = new byte[256];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i;
    }
    StoredResponse response = new StoredResponse(201,
        Map.of("Content-Type", List.of("application/octet-stream"), "X-Multi", List.of("a", "é", "")), body, null);
    StoredResponse error = new StoredResponse(410, Map.of(), new byte[0], "gone: ünïcode");

    assertThat(StoredResponse.CODEC.decode(StoredResponse.CODEC.encode(response))).isEqualTo(response);
    assertThat(StoredResponse.CODEC.decode(StoredResponse.CODEC.encode(error))).isEqualTo(error)
        .isNotEqualTo(response);
    assertThat(StoredResponse.CODEC.decode(StoredResponse.CODEC.encode(error)).isError()).isTrue();
  }

  @Test
  void aLongOrControlCharacterScopeIsReplacedByItsHash() {
    assertThat(IdempotencyKeyFilter.fitScope("acme")).isEqualTo("acme");
    assertThat(IdempotencyKeyFilter.fitScope("t".repeat(65))).hasSize(64).matches("[0-9a-f]{64}")
        .isNotEqualTo(IdempotencyKeyFilter.fitScope("t".repeat(66)));
    assertThat(IdempotencyKeyFilter.fitScope("a\nb")).hasSize(64);
  }

  @Test
  void problemJsonEscapesStrings() {
    assertThat(Problems.quote("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\"");
  }
}
