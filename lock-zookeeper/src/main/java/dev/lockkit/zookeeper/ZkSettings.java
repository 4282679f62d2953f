package dev.lockkit.zookeeper;

import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.internal.Uris;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.zookeeper.common.PathUtils;
import org.jspecify.annotations.Nullable;

/**
 * What a {@code zookeeper://} URI says, checked: see {@link ZooKeeperLockProvider} for the format.
 *
 * @param connectString hosts for the ZooKeeper client, {@code host:port,host:port}
 * @param chroot the path every lockkit node lives under, {@code ""} for the root, else {@code /a/b}
 * @param sessionTimeout the session timeout asked of the server (which may clamp it)
 * @param connectionTimeout how long one operation waits for a connection before it counts as failed
 * @param maxRetries how often Curator retries an operation that met a connection loss
 * @param retryBaseSleep the first back-off of those retries, doubling each time
 * @param digest {@code user:secret} for digest authentication and ACLs, or null
 */
record ZkSettings(String connectString, String chroot, Duration sessionTimeout, Duration connectionTimeout,
    int maxRetries, Duration retryBaseSleep, @Nullable String digest) {

  static final int DEFAULT_PORT = 2181;
  static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(30);
  static final int DEFAULT_MAX_RETRIES = 3;
  static final Duration DEFAULT_RETRY_BASE_SLEEP = Duration.ofMillis(100);

  private static final Set<String> PARAMETERS =
      Set.of("sessionTimeout", "connectionTimeout", "maxRetries", "retryBaseSleep");
  private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

  /** Reads the URI; throws {@link IllegalArgumentException} naming what is wrong, never showing credentials. */
  static ZkSettings parse(URI uri, LockOptions options) {
    Checks.argument(uri.getScheme() != null && uri.getScheme().equalsIgnoreCase("zookeeper"),
        "uri must have the scheme zookeeper, was %s", redact(uri));
    Checks.argument(!uri.isOpaque(), "uri must look like zookeeper://host:port[,host:port]/[chroot], was %s",
        redact(uri));
    String authority = uri.getRawAuthority();
    Checks.argument(authority != null && !authority.isEmpty(),
        "uri must name at least one host, as in zookeeper://localhost:2181, was %s", redact(uri));
    // an '@' after the hosts is most likely the end of credentials holding a '/', '?' or '#' that ended the
    // authority early, so that the rest of the secret would be read, and shown, as hosts, path or parameters
    Checks.argument(!has(uri.getRawPath(), '@') && !has(uri.getRawQuery(), '@') && !has(uri.getRawFragment(), '@'),
        "uri must have '@' only after its credentials, as in zookeeper://user:secret@host; percent-encode '/', "
            + "'?', '#' and '@' in user and secret (%%2F, %%3F, %%23, %%40) and '@' in a chroot, in %s", redact(uri));
    Checks.argument(uri.getRawFragment() == null, "uri must not have a fragment, was %s", redact(uri));
    String digest = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      digest = decode(authority.substring(0, at)); // java.net.URI has checked the escapes
      authority = authority.substring(at + 1);
      int colon = digest.indexOf(':');
      Checks.argument(colon > 0 && colon < digest.length() - 1,
          "uri credentials must be user:secret, both non-empty, in %s", redact(uri));
    }
    String connectString = hosts(authority, uri);
    String chroot = chroot(uri);
    Checks.argument(!chroot.isEmpty() || !options.namespace().equals("zookeeper"),
        "namespace 'zookeeper' needs a chroot in the uri: the server reserves /zookeeper, in %s", redact(uri));
    Map<String, String> query = query(uri);
    Duration sessionTimeout = duration(query, "sessionTimeout", DEFAULT_SESSION_TIMEOUT);
    Duration connectionTimeout = duration(query, "connectionTimeout", options.commandTimeout());
    Duration retryBaseSleep = duration(query, "retryBaseSleep", DEFAULT_RETRY_BASE_SLEEP);
    int maxRetries = DEFAULT_MAX_RETRIES;
    String retries = query.get("maxRetries");
    if (retries != null) {
      Checks.argument(retries.matches("\\d{1,2}"), "maxRetries must be 0 to 29, was '%s'", retries);
      maxRetries = Integer.parseInt(retries);
      Checks.argument(maxRetries < 30, "maxRetries must be 0 to 29, was '%s'", retries);
    }
    Checks.argument(sessionTimeout.compareTo(Duration.ofDays(1)) < 0,
        "sessionTimeout must be less than a day, was %s", sessionTimeout);
    Checks.argument(connectionTimeout.compareTo(Duration.ofDays(1)) < 0,
        "connectionTimeout must be less than a day, was %s", connectionTimeout);
    return new ZkSettings(connectString, chroot, sessionTimeout, connectionTimeout, maxRetries, retryBaseSleep,
        digest);
  }

  /** The server as messages show it: no credentials. */
  String describe() {
    return "zookeeper://" + connectString + (chroot.isEmpty() ? "" : chroot);
  }

  @Override
  public String toString() {
    return "ZkSettings{" + describe() + ", sessionTimeout=" + sessionTimeout + ", connectionTimeout="
        + connectionTimeout + ", maxRetries=" + maxRetries + ", retryBaseSleep=" + retryBaseSleep
        + (digest == null ? "" : ", digest=" + digest.substring(0, digest.indexOf(':')) + ":***") + '}';
  }

  private static String hosts(String authority, URI uri) {
    StringBuilder out = new StringBuilder();
    for (String host : authority.split(",", -1)) {
      Matcher m = HOST.matcher(host);
      Checks.argument(m.matches(), "uri must list hosts as host[:port], separated by ',', found '%s' in %s",
          host, redact(uri));
      int port = m.group(2) == null ? DEFAULT_PORT : Integer.parseInt(m.group(2));
      Checks.argument(port > 0 && port < 65536, "port must be 1 to 65535, was %s in %s", port, redact(uri));
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(m.group(1)).append(':').append(port);
    }
    return out.toString();
  }

  private static String chroot(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty()) {
      return "";
    }
    try {
      PathUtils.validatePath(path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("uri path must be a valid ZooKeeper path (the chroot), was '" + path
          + "': " + e.getMessage(), e);
    }
    Checks.argument(!path.equals("/zookeeper") && !path.startsWith("/zookeeper/"),
        "uri path must not be under /zookeeper, which the server reserves, was '%s'", path);
    return path;
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      Checks.argument(eq > 0, "uri parameters must be name=value, found '%s' in %s", pair, redact(uri));
      String name = decode(pair.substring(0, eq));
      Checks.argument(PARAMETERS.contains(name), "unknown uri parameter '%s' (known: %s) in %s", name,
          new java.util.TreeSet<>(PARAMETERS), redact(uri));
      Checks.argument(params.put(name, decode(pair.substring(eq + 1))) == null,
          "uri parameter '%s' is given twice in %s", name, redact(uri));
    }
    return params;
  }

  /** {@code 500ms}, {@code 30s}, {@code 2m}, plain milliseconds, or ISO-8601 such as {@code PT30S}. */
  private static Duration duration(Map<String, String> query, String name, Duration fallback) {
    String value = query.get(name);
    if (value == null) {
      return fallback;
    }
    Duration d;
    Matcher m = DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "ms" : m.group(2);
      d = switch (unit) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofMillis(n);
      };
    } else {
      try {
        d = Duration.parse(value.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(name + " must be a duration such as 500ms, 30s, 2m or PT30S, was '"
            + value + "'", e);
      }
    }
    Checks.argument(!d.isNegative() && !d.isZero(), "%s must be positive, was '%s'", name, value);
    return d;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * The URI as messages show it: everything between the scheme and the last {@code @} is replaced by
   * {@code ***}. That is the user info of a well-formed URI; in one whose secret holds an unencoded {@code /},
   * {@code ?} or {@code #}, it hides more than the user info, never less.
   */
  static String redact(URI uri) {
    return Uris.redact(uri);
  }

  private static boolean has(@Nullable String part, char c) {
    return part != null && part.indexOf(c) >= 0;
  }
}
