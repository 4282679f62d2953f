package dev.lockkit.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Which Jedis version strings lockkit accepts. */
class JedisVersionTest {

  @Test
  void versionsFromFivePointTwoOnAreSupported() {
    assertThat(List.of("5.2.0", "5.2.1", "5.3.0-beta1", "6.0.0", "7.0.0", "8.0.2", "10.1.0"))
        .allMatch(JedisVersion::supported);
    assertThat(List.of("3.8.0", "4.4.8", "5.0.0", "5.1.5", "5.0.0-beta2")).noneMatch(JedisVersion::supported);
  }

  @Test
  void aVersionItCannotReadIsLeftToTheDriver() {
    assertThat(JedisVersion.supported("unknown")).isTrue();
  }

  @Test
  void theVersionOnTheClassPathIsReadFromTheJarsManifest() throws IOException {
    Properties pom = new Properties(); // what the Jedis build wrote, a second source for the same version
    try (InputStream in = redis.clients.jedis.Jedis.class.getResourceAsStream("pom.properties")) {
      pom.load(in);
    }
    assertThat(JedisVersion.of(JedisVersionTest.class.getClassLoader())).isEqualTo(pom.getProperty("version"));
  }
}
