package dev.lockkit.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which Jedis is on the class path, and whether lockkit supports it: 5.2 and newer. Jedis 5.2 is what Spring
 * Boot 3.5.0 manages (3.5.1 and later: 6.0; Boot 4.0: 7.0); Jedis 4 has no sharded pub/sub, which lockkit
 * subscribes with on a Redis 7 cluster. The version comes from the manifest of the jar that holds Jedis's
 * classes ({@code Bundle-Version}, in every Jedis jar since 3.x).
 */
final class JedisVersion {
  /** The versions lockkit supports, as messages and the README say it. */
  static final String SUPPORTED = "5.2 and newer (tested with 5.2, 6.0, 7.0 and 8.0)";
  private static final int MIN_MAJOR = 5;
  private static final int MIN_MINOR = 2;
  private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d+)\\.(\\d+).*");
  private static final String PROBE = "redis/clients/jedis/Jedis.class";

  private JedisVersion() {}

  /**
   * Refuses a Jedis older than 5.2.
   *
   * @param loader the class loader lockkit loads Jedis with
   * @throws IllegalStateException naming the version found, where it was found, and the supported versions
   */
  static void requireSupported(ClassLoader loader) {
    String version = of(loader);
    if (version != null && !supported(version)) {
      throw new IllegalStateException("the jedis driver of lockkit's Redis backend supports Jedis " + SUPPORTED
          + ", and the class path has Jedis " + version + " (" + location(loader) + "): use redis.clients:jedis "
          + MIN_MAJOR + "." + MIN_MINOR + " or newer, or the Lettuce driver (io.lettuce:lettuce-core, the default)");
    }
  }

  /** Whether a version string such as {@code 5.2.0} or {@code 7.0.0-beta1} is 5.2 or newer. */
  static boolean supported(String version) {
    Matcher m = MAJOR_MINOR.matcher(version);
    if (!m.matches()) {
      return true; // not a version this check can read: let the driver try, a linkage error says the rest
    }
    int major = Integer.parseInt(m.group(1));
    return major > MIN_MAJOR || major == MIN_MAJOR && Integer.parseInt(m.group(2)) >= MIN_MINOR;
  }

  /** The version of the Jedis jar that {@code loader} loads Jedis from, or null if it does not say. */
  static @Nullable String of(ClassLoader loader) {
    URL probe = loader.getResource(PROBE);
    if (probe == null) {
      return null;
    }
    String s = probe.toString();
    try (InputStream in = URI.create(s.substring(0, s.length() - PROBE.length()) + "META-INF/MANIFEST.MF").toURL()
        .openStream()) {
      Manifest manifest = new Manifest(in);
      String version = manifest.getMainAttributes().getValue("Bundle-Version");
      return version == null ? manifest.getMainAttributes().getValue("Implementation-Version") : version;
    } catch (IOException | RuntimeException e) {
      return null; // classes outside a jar, or a jar without a manifest: unknown
    }
  }

  /** Where {@code loader} finds Jedis, for messages: the jar's URL. */
  private static String location(ClassLoader loader) {
    URL probe = loader.getResource(PROBE);
    if (probe == null) {
      return "unknown location";
    }
    String s = probe.toString();
    s = s.substring(0, s.length() - PROBE.length());
    return s.startsWith("jar:") && s.endsWith("!/") ? s.substring(4, s.length() - 2) : s;
  }
}
