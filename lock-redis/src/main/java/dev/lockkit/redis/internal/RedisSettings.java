package dev.lockkit.redis.internal;

import dev.lockkit.internal.Checks;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a Redis URI asks for, parsed and checked before anything connects:
 * {@code redis[s]://[user:password@]host[:port][/db][?options]},
 * {@code redis-cluster://[user:password@]host:port[,host:port...][?options]} or
 * {@code redis-sentinel://[user:password@]host[:port][,host[:port]...]/master[/db][?options]}.
 *
 * @param cluster true for {@code redis-cluster}
 * @param tls true for {@code rediss}, or {@code ?tls=true}
 * @param nodes the hosts and ports, at least one: the server, the cluster's seed nodes, or the sentinels
 * @param user the ACL user, or null for the default user
 * @param password the password, or null
 * @param database the database number of a standalone server
 * @param driver the driver name: {@code lettuce} or {@code jedis}
 * @param waitReplicas replicas that must acknowledge an acquisition (0: none)
 * @param trustPem a PEM file of certificates to trust for TLS, or null for the JVM's trust store
 * @param sentinel for {@code redis-sentinel}: the master to ask the sentinels ({@link #nodes}) for; else null
 * @param fenceRetention how long a fence key is kept after the last acquisition of its name
 * @param existing for a client on the application's own driver client ({@link #existing}): what it is, as
 *     messages show it; null for a URI's client, whose {@link #nodes} say where it connects
 */
public record RedisSettings(
    boolean cluster, boolean tls, List<Node> nodes, @Nullable String user, @Nullable String password,
    int database, String driver, int waitReplicas, @Nullable Path trustPem, @Nullable Sentinel sentinel,
    Duration fenceRetention, @Nullable String existing) {

  /**
   * How long a fence key outlives the last acquisition of its name unless the URI says otherwise
   * ({@code ?fenceRetention=PT24H}): one hour. Tokens keep growing across an expired fence key as long as the
   * server's clock has not stepped back by as much since (NTP steps are seconds, clocks of a primary and its
   * replicas differ by milliseconds), while the server keeps only the fence keys of the names locked within the
   * last hour, not of every name ever locked.
   */
  public static final Duration DEFAULT_FENCE_RETENTION = Duration.ofHours(1);

  /** The shortest fence retention a URI may ask for. */
  public static final Duration MIN_FENCE_RETENTION = Duration.ofSeconds(1);

  /** The longest fence retention a URI may ask for. */
  public static final Duration MAX_FENCE_RETENTION = Duration.ofDays(3650);

  /** The driver used when the URI names none. */
  public static final String LETTUCE = "lettuce";
  /** The Jedis driver's name in {@code ?driver=}. */
  public static final String JEDIS = "jedis";

  /** The query options a Redis URI takes. */
  private static final List<String> OPTIONS = List.of("driver", "waitReplicas", "tls", "trustPem", "fenceRetention",
      "sentinelUser", "sentinelPassword");
  /** The options a message may show with their values: not the sentinels' credentials, as the user info is not. */
  private static final List<String> SHOWN = OPTIONS.stream().filter(o -> !o.startsWith("sentinel")).toList();
  /** The port of a sentinel that the URI names without one. */
  private static final int SENTINEL_PORT = 26379;

  /**
   * Where the sentinels of a {@code redis-sentinel} URI lead: the master they monitor under a name, and how to log
   * in to the sentinels themselves, which may differ from the data nodes ({@code requirepass} in a sentinel's
   * configuration is its own).
   *
   * @param master the name the sentinels monitor the primary under ({@code sentinel monitor <name> ...})
   * @param user the ACL user for the sentinels, or null for the default user
   * @param password the sentinels' password, or null when they need none
   */
  public record Sentinel(String master, @Nullable String user, @Nullable String password) {
    @Override
    public String toString() {
      return "Sentinel[master=" + master + (password == null ? "" : ", with a password") + "]";
    }
  }

  /**
   * One server address.
   *
   * @param host the host
   * @param port the port
   */
  public record Node(String host, int port) {
    @Override
    public String toString() {
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  /** Parses and checks the URI; throws {@link IllegalArgumentException} saying what is wrong. */
  public static RedisSettings parse(URI uri) {
    Checks.notNull(uri, "uri");
    String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
    Checks.argument(scheme.equals("redis") || scheme.equals("rediss") || scheme.equals("redis-cluster")
        || scheme.equals("redis-sentinel"),
        "uri must have the scheme redis, rediss, redis-cluster or redis-sentinel, was %s", safe(uri));
    boolean cluster = scheme.equals("redis-cluster");
    boolean sentinel = scheme.equals("redis-sentinel");
    String authority = uri.getRawAuthority();
    Checks.argument(authority != null && !authority.isEmpty(), "uri must name a host, was %s", safe(uri));
    String user = null;
    String password = null;
    int at = authority.lastIndexOf('@');
    Checks.argument(at >= 0 || !contains(uri.getRawPath(), '@') && !contains(uri.getRawFragment(), '@'),
        "the user info of a redis uri must have / ? # @ percent-encoded (a / is %%2F), was %s", safe(uri));
    if (at >= 0) {
      String info = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = info.indexOf(':');
      if (colon < 0) {
        password = decode(info);
      } else {
        user = colon == 0 ? null : decode(info.substring(0, colon));
        password = decode(info.substring(colon + 1));
      }
      if (password != null && password.isEmpty()) {
        password = null;
      }
    }
    List<Node> nodes = new ArrayList<>();
    for (String part : authority.split(",", -1)) {
      nodes.add(node(part.trim(), sentinel ? SENTINEL_PORT : 6379, uri));
    }
    Checks.argument(cluster || sentinel || nodes.size() == 1, "a redis:// uri names one server; use "
        + "redis-cluster://host:port,host:port for a cluster or redis-sentinel://host:port,host:port/master for "
        + "sentinels, was %s", safe(uri));
    int database = 0;
    String path = uri.getRawPath();
    String master = null;
    if (sentinel) {
      // /master or /master/db
      String[] parts = path == null || path.isEmpty() ? new String[0] : path.substring(1).split("/", -1);
      Checks.argument(parts.length > 0 && !parts[0].isEmpty(), "a redis-sentinel uri must name the master after "
          + "the sentinels, as in redis-sentinel://host:26379,host:26379/mymaster, was %s", safe(uri));
      Checks.argument(parts.length <= 2, "the path of a redis-sentinel uri is /master or /master/database, was %s",
          safe(uri));
      master = decode(parts[0]);
      if (parts.length == 2) {
        database = number(parts[1], "the database after the master name of a redis-sentinel uri must be a number",
            uri);
        Checks.argument(database >= 0, "the database number must not be negative, was %s", safe(uri));
      }
    } else if (path != null && !path.isEmpty() && !path.equals("/")) {
      Checks.argument(!cluster, "a redis-cluster uri has no database path, was %s", safe(uri));
      database = number(path.substring(1), "the path of a redis uri must be a database number", uri);
      Checks.argument(database >= 0, "the database number must not be negative, was %s", safe(uri));
    }
    Map<String, String> query = query(uri);
    Checks.argument(sentinel || !query.containsKey("sentinelUser") && !query.containsKey("sentinelPassword"),
        "sentinelUser and sentinelPassword are options of a redis-sentinel uri only, in %s", safe(uri));
    Checks.argument(!sentinel || !query.containsKey("tls") && !query.containsKey("trustPem"),
        "TLS through Sentinel is not supported: a redis-sentinel uri takes no tls or trustPem, in %s", safe(uri));
    String driver = query.getOrDefault("driver", LETTUCE).toLowerCase(Locale.ROOT);
    Checks.argument(driver.equals(LETTUCE) || driver.equals(JEDIS), "driver must be lettuce or jedis, in %s",
        safe(uri));
    int waitReplicas = 0;
    if (query.containsKey("waitReplicas")) {
      waitReplicas = number(query.get("waitReplicas"), "waitReplicas must be a number", uri);
      Checks.argument(waitReplicas >= 0, "waitReplicas must not be negative, was %s", safe(uri));
    }
    boolean tls = scheme.equals("rediss") || Boolean.parseBoolean(query.getOrDefault("tls", "false"));
    Path trust = null;
    if (query.containsKey("trustPem")) {
      trust = Path.of(query.get("trustPem"));
      Checks.argument(Files.isReadable(trust), "trustPem must name a readable file, in %s", safe(uri));
    }
    Sentinel sentinelSettings = null;
    if (sentinel) {
      String sentinelPassword = query.get("sentinelPassword");
      sentinelSettings = new Sentinel(master, query.get("sentinelUser"),
          sentinelPassword == null || sentinelPassword.isEmpty() ? null : sentinelPassword);
      Checks.argument(sentinelSettings.user() == null || sentinelSettings.password() != null,
          "sentinelUser needs a sentinelPassword, in %s", safe(uri));
    }
    Duration fenceRetention = DEFAULT_FENCE_RETENTION;
    if (query.containsKey("fenceRetention")) {
      try {
        fenceRetention = Duration.parse(query.get("fenceRetention"));
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException("fenceRetention must be an ISO-8601 duration such as PT1H, was '"
            + query.get("fenceRetention") + "' in " + safe(uri));
      }
      Checks.argument(fenceRetention.compareTo(MIN_FENCE_RETENTION) >= 0
              && fenceRetention.compareTo(MAX_FENCE_RETENTION) <= 0,
          "fenceRetention must be %s to %s, was %s in %s", MIN_FENCE_RETENTION, MAX_FENCE_RETENTION,
          fenceRetention, safe(uri));
    }
    return new RedisSettings(cluster, tls, List.copyOf(nodes), user, password, database, driver, waitReplicas,
        trust, sentinelSettings, fenceRetention, null);
  }

  /**
   * The settings of a client built on a driver client the application already has: where it connects, with
   * which credentials and TLS, is the driver client's business; only what lockkit itself does is set here.
   *
   * @param description what the driver client is, for messages (no credentials)
   * @param cluster whether it is a cluster client
   * @param driver {@link #LETTUCE} or {@link #JEDIS}
   * @param waitReplicas replicas that must acknowledge an acquisition (0: none), checked as the URI's option is
   * @param fenceRetention how long a fence key is kept, checked as the URI's option is
   * @throws IllegalArgumentException naming the setting out of its bounds
   */
  public static RedisSettings existing(String description, boolean cluster, String driver, int waitReplicas,
      Duration fenceRetention) {
    Checks.argument(waitReplicas >= 0, "waitReplicas must not be negative, was %s", waitReplicas);
    checkFenceRetention(fenceRetention);
    return new RedisSettings(cluster, false, List.of(), null, null, 0, driver, waitReplicas, null, null,
        fenceRetention, description);
  }

  /** Checks a fence retention: {@link #MIN_FENCE_RETENTION} to {@link #MAX_FENCE_RETENTION}. */
  public static void checkFenceRetention(Duration fenceRetention) {
    Checks.notNull(fenceRetention, "fenceRetention");
    Checks.argument(fenceRetention.compareTo(MIN_FENCE_RETENTION) >= 0
            && fenceRetention.compareTo(MAX_FENCE_RETENTION) <= 0,
        "fenceRetention must be %s to %s, was %s", MIN_FENCE_RETENTION, MAX_FENCE_RETENTION, fenceRetention);
  }

  private static Node node(String part, int defaultPort, URI uri) {
    Checks.argument(!part.isEmpty(), "uri has an empty host, was %s", safe(uri));
    String host;
    String port = null;
    if (part.startsWith("[")) {
      int close = part.indexOf(']');
      Checks.argument(close > 0, "uri has a bad IPv6 host, was %s", safe(uri));
      host = part.substring(1, close);
      if (close + 1 < part.length()) {
        Checks.argument(part.charAt(close + 1) == ':', "uri has a bad host, was %s", safe(uri));
        port = part.substring(close + 2);
      }
    } else {
      int colon = part.lastIndexOf(':');
      host = colon < 0 ? part : part.substring(0, colon);
      port = colon < 0 ? null : part.substring(colon + 1);
    }
    Checks.argument(!host.isEmpty(), "uri has an empty host, was %s", safe(uri));
    int p = defaultPort;
    if (port != null) {
      p = number(port, "uri has a bad port", uri);
      Checks.argument(p > 0 && p < 65536, "port must be 1 to 65535, was %s", safe(uri));
    }
    return new Node(host, p);
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> result = new TreeMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return result;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      // the key is shown only as part of the redacted URI: a misparsed password can end up in the query
      Checks.argument(OPTIONS.contains(key), "unknown redis uri option (known: %s) in %s",
          String.join(", ", OPTIONS), safe(uri));
      Checks.argument(result.put(key, value) == null, "a redis uri option is given twice in %s", safe(uri));
    }
    return result;
  }

  /**
   * An int, or {@link IllegalArgumentException} with {@code message} and the redacted URI. Neither the piece
   * nor a {@link NumberFormatException} (which would quote it) is kept: a password with an unescaped {@code /},
   * {@code ?} or {@code #} ends the authority early, and its pieces then land in the port or the path.
   */
  private static int number(String piece, String message, URI uri) {
    try {
      return Integer.parseInt(piece);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(message + ", was " + safe(uri));
    }
  }

  private static boolean contains(@Nullable String s, char c) {
    return s != null && s.indexOf(c) >= 0;
  }

  /** Percent-decoding as URIs have it, in UTF-8: unlike {@link java.net.URLDecoder} a {@code +} stays a plus. */
  private static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); ) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 3;
      } else {
        int cp = s.codePointAt(i);
        bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(cp);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  /**
   * The URI for messages: without its user info, with the values of {@code sentinelUser} and
   * {@code sentinelPassword} masked, and with the
   * values of unknown query options (such as a {@code password=} that this scheme does not take) masked. See
   * {@link Redaction#uri}.
   */
  public static String safe(URI uri) {
    return Redaction.uri(uri.toString(), SHOWN);
  }

  /**
   * A description of the server without credentials, such as {@code redis://127.0.0.1:6379}, or
   * {@code redis://***@127.0.0.1:6379} when the URI gave a user and password (hidden, as {@link #safe} hides them),
   * so that a message about a refused login shows that credentials were sent. Through sentinels:
   * {@code redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster}, without the sentinels' credentials.
   */
  public String describe() {
    if (existing != null) {
      return existing;
    }
    StringBuilder b = new StringBuilder(sentinel != null ? "redis-sentinel://" : cluster ? "redis-cluster://"
        : tls ? "rediss://" : "redis://");
    if (password != null) {
      b.append("***@");
    }
    for (int i = 0; i < nodes.size(); i++) {
      b.append(i == 0 ? "" : ",").append(nodes.get(i));
    }
    if (sentinel != null) {
      b.append('/').append(sentinel.master());
    }
    if (!cluster && database != 0) {
      b.append('/').append(database);
    }
    return b.toString();
  }

  /** The fence retention in milliseconds, as the acquire script takes it. */
  long fenceRetentionMillis() {
    return Math.max(1, Checks.toNanosSaturated(fenceRetention) / 1_000_000L);
  }

  @Override
  public String toString() {
    return describe();
  }
}
