package dev.lockkit.memory;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.internal.Uris;
import dev.lockkit.spi.LockClients;
import dev.lockkit.spi.LockProvider;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Provides the {@code memory:} scheme. {@code memory:} (or {@code memory:/}) connects to the JVM's default
 * store, {@code memory:NAME} to the store of that name, created on first use and kept for the JVM's life.
 *
 * <p>A store keeps a fence per lock name, as Redis keeps a fence key, and drops a fence not used for its
 * retention (default {@link #DEFAULT_FENCE_RETENTION}); tokens still grow across a dropped fence (see the
 * store's clock floor). {@code memory:NAME?fenceRetention=PT10S} sets it, as an ISO-8601 duration, when the
 * store is created; connecting to an existing store with another retention is refused.
 */
public final class MemoryLockProvider implements LockProvider {
  /** How long a store keeps the fence of a lock name that is not used. */
  public static final Duration DEFAULT_FENCE_RETENTION = Duration.ofHours(24);
  private static final Pattern STORE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final ConcurrentHashMap<String, MemoryLockServer> STORES = new ConcurrentHashMap<>();

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public MemoryLockProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("memory");
  }

  @Override
  public LockClient connect(URI uri, LockOptions options) {
    Checks.notNull(uri, "uri");
    Checks.notNull(options, "options");
    Checks.argument(supports(uri), "uri must have the scheme memory, was %s", Uris.redact(uri));
    String part = uri.getSchemeSpecificPart() == null ? "" : uri.getSchemeSpecificPart();
    String query = "";
    int q = part.indexOf('?');
    if (q >= 0) {
      query = part.substring(q + 1);
      part = part.substring(0, q);
    }
    String store = part.replaceFirst("^/+", "");
    if (store.isEmpty()) {
      store = "default";
    }
    Checks.argument(STORE.matcher(store).matches(),
        "memory store name must be 1 to 64 of A-Z a-z 0-9 _ -, was '%s' in %s", store, Uris.redact(uri));
    Duration retention = retention(query, uri);
    MemoryLockServer server = STORES.computeIfAbsent(store,
        name -> new MemoryLockServer(name, Checks.toNanosSaturated(retention)));
    Checks.argument(server.fenceRetentionNanos() == Checks.toNanosSaturated(retention),
        "memory store '%s' exists with fenceRetention %s; %s asks for %s", store,
        Duration.ofNanos(server.fenceRetentionNanos()), uri, retention);
    return LockClients.create(options, context -> new MemoryBackend(server, context));
  }

  private static Duration retention(String query, URI uri) {
    Duration retention = DEFAULT_FENCE_RETENTION;
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      Checks.argument(key.equals("fenceRetention"),
          "unknown parameter '%s' in %s; the memory scheme knows fenceRetention", key, uri);
      try {
        retention = Duration.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("fenceRetention must be an ISO-8601 duration such as PT10S, was '"
            + value + "' in " + uri, e);
      }
      Checks.argument(!retention.isNegative() && !retention.isZero(),
          "fenceRetention must be positive, was %s in %s", retention, uri);
    }
    return retention;
  }
}
