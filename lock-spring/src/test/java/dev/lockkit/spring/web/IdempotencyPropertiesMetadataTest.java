package dev.lockkit.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.idempotency.IdempotencyGuard;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.json.JsonParserFactory;

/** The configuration metadata of the {@code lockkit.idempotency.*} properties, as the build generates it. */
class IdempotencyPropertiesMetadataTest {

  @Test
  void generatedMetadataDescribesEveryIdempotencyProperty() throws IOException {
    Map<String, Map<String, Object>> properties = lockkitMetadata();

    assertThat(properties.keySet().stream().filter(name -> name.startsWith("lockkit.idempotency.")))
        .containsExactlyInAnyOrder("lockkit.idempotency.retention", "lockkit.idempotency.max-wait",
            "lockkit.idempotency.max-body-size");
    assertThat(properties.get("lockkit.idempotency.retention")).containsEntry("type", "java.time.Duration")
        .containsEntry("defaultValue", "24h");
    assertThat(properties.get("lockkit.idempotency.max-wait")).containsEntry("type", "java.time.Duration");
    assertThat(properties.get("lockkit.idempotency.max-body-size"))
        .containsEntry("type", "org.springframework.util.unit.DataSize").containsEntry("defaultValue", "1MB");
    properties.entrySet().stream().filter(e -> e.getKey().startsWith("lockkit.idempotency."))
        .forEach(e -> assertThat((String) e.getValue().get("description")).as(e.getKey()).isNotBlank());
    // the property's default and the guard's agree
    assertThat(new IdempotencyProperties().getRetention()).isEqualTo(IdempotencyGuard.DEFAULT_RETENTION)
        .isEqualTo(Duration.ofHours(24));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> lockkitMetadata() throws IOException {
    Enumeration<URL> files =
        IdempotencyProperties.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
    while (files.hasMoreElements()) {
      String json;
      try (InputStream in = files.nextElement().openStream()) {
        json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      List<Object> list = (List<Object>) JsonParserFactory.getJsonParser().parseMap(json).get("properties");
      Map<String, Map<String, Object>> properties = list.stream().map(p -> (Map<String, Object>) p)
          .collect(Collectors.toMap(p -> (String) p.get("name"), Function.identity()));
      if (properties.containsKey("lockkit.idempotency.retention")) {
        return properties;
      }
    }
    throw new AssertionError("no configuration metadata names lockkit.idempotency.retention");
  }
}
