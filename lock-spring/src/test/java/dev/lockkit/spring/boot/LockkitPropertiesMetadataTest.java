package dev.lockkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.json.JsonParserFactory;

/** The configuration metadata that IDEs complete {@code lockkit.*} properties from, as the build generates it. */
class LockkitPropertiesMetadataTest {

  @Test
  void generatedMetadataDescribesEveryProperty() throws IOException {
    Map<String, Map<String, Object>> properties = lockkitMetadata();

    // lockkit.idempotency.* belongs to dev.lockkit.spring.web (IdempotencyPropertiesMetadataTest checks it)
    assertThat(properties.keySet().stream()
        .filter(name -> name.startsWith("lockkit.") && !name.startsWith("lockkit.idempotency.")))
        .containsExactlyInAnyOrder("lockkit.uri", "lockkit.lease-time", "lockkit.renew-interval",
        "lockkit.renewal", "lockkit.command-timeout", "lockkit.namespace", "lockkit.cohorting.enabled",
        "lockkit.cohorting.max-local-handoffs", "lockkit.observations.lock-name-tag");
    properties.forEach((name, property) -> assertThat((String) property.get("description"))
        .as("description of %s", name).isNotBlank());
    assertThat(properties.get("lockkit.lease-time")).containsEntry("type", "java.time.Duration");
    assertThat(properties.get("lockkit.renew-interval")).containsEntry("type", "java.time.Duration");
    assertThat(properties.get("lockkit.command-timeout")).containsEntry("type", "java.time.Duration");
    assertThat(properties.get("lockkit.uri")).containsEntry("type", "java.lang.String");
    assertThat(properties.get("lockkit.cohorting.max-local-handoffs")).containsEntry("type", "java.lang.Integer");
    assertThat(properties.get("lockkit.renewal")).containsEntry("defaultValue", true);
    assertThat(properties.get("lockkit.cohorting.enabled")).containsEntry("defaultValue", true);
    assertThat(properties.get("lockkit.observations.lock-name-tag")).containsEntry("defaultValue", false);
  }

  @Test
  void healthSwitchIsDescribed() throws IOException {
    Map<String, Map<String, Object>> properties = lockkitMetadata();

    // the processor merges the additional metadata into the generated file
    assertThat(properties.get("management.health.lockkit.enabled"))
        .containsEntry("type", "java.lang.Boolean").containsEntry("defaultValue", true);
  }

  /** The properties of lock-spring's metadata file (the class path holds Boot's own files of that name too). */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> lockkitMetadata() throws IOException {
    Enumeration<URL> files =
        LockkitProperties.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
    List<String> seen = new ArrayList<>();
    while (files.hasMoreElements()) {
      URL file = files.nextElement();
      seen.add(file.toString());
      String json;
      try (InputStream in = file.openStream()) {
        json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      List<Object> list = (List<Object>) JsonParserFactory.getJsonParser().parseMap(json).get("properties");
      Map<String, Map<String, Object>> properties = list.stream().map(p -> (Map<String, Object>) p)
          .collect(Collectors.toMap(p -> (String) p.get("name"), Function.identity()));
      if (properties.containsKey("lockkit.uri")) {
        return properties;
      }
    }
    throw new AssertionError("no configuration metadata names lockkit.uri; files seen: " + seen);
  }
}
