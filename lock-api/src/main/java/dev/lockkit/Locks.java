package dev.lockkit;

import dev.lockkit.internal.Checks;
import dev.lockkit.internal.Uris;
import dev.lockkit.spi.LockProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to a lock server by URI, finding the backend through {@link ServiceLoader}: every
 * {@link LockProvider} on the class path whose scheme matches. Exactly one must match: none is an error
 * listing the schemes that are available, two is an error naming both (never a silent pick, and never a
 * silent no-op lock). A provider that cannot be loaded, for example because its optional driver is missing,
 * is skipped, and named in the error if nothing else serves the scheme asked for.
 *
 * <pre>{@code
 * try (LockClient locks = Locks.connect("redis://localhost:6379")) {
 *   try (Lease lease = locks.lock("orders/42").acquire(Duration.ofSeconds(5))) {
 *     orders.save(order, lease.fencingToken());
 *   }
 * }
 * }</pre>
 */
public final class Locks {
  private static final Logger log = LoggerFactory.getLogger(Locks.class);

  private Locks() {}

  /**
   * Connects with default options.
   *
   * @param uri such as {@code redis://host:6379}, {@code zookeeper://host:2181}, {@code memory:}
   * @return a connected client
   * @throws IllegalArgumentException if the URI is null, malformed, or no single backend serves its scheme
   * @throws LockBackendException if the server cannot be reached within the command timeout
   */
  public static LockClient connect(String uri) {
    return connect(parse(uri), LockOptions.defaults());
  }

  /**
   * Connects with the given options.
   *
   * @param uri such as {@code redis://host:6379}, {@code zookeeper://host:2181}, {@code memory:}
   * @param options the client's options
   * @return a connected client
   * @throws IllegalArgumentException if an argument is null, the URI malformed, or no single backend serves
   *     its scheme
   * @throws LockBackendException if the server cannot be reached within the command timeout
   */
  public static LockClient connect(String uri, LockOptions options) {
    return connect(parse(uri), options);
  }

  /**
   * Connects with default options.
   *
   * @param uri the server's URI
   * @return a connected client
   * @throws IllegalArgumentException if the URI is null or no single backend serves its scheme
   * @throws LockBackendException if the server cannot be reached within the command timeout
   */
  public static LockClient connect(URI uri) {
    return connect(uri, LockOptions.defaults());
  }

  /**
   * Connects with the given options, looking providers up with the thread's context class loader (or this
   * class's loader if there is none).
   *
   * @param uri the server's URI
   * @param options the client's options
   * @return a connected client
   * @throws IllegalArgumentException if an argument is null or no single backend serves the URI's scheme
   * @throws LockBackendException if the server cannot be reached within the command timeout
   */
  public static LockClient connect(URI uri, LockOptions options) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return connect(uri, options, loader == null ? Locks.class.getClassLoader() : loader);
  }

  /**
   * Connects with the given options, looking providers up in the given class loader (for containers that
   * keep applications in loaders of their own).
   *
   * @param uri the server's URI
   * @param options the client's options
   * @param loader where to look for providers
   * @return a connected client
   * @throws IllegalArgumentException if an argument is null or no single backend serves the URI's scheme
   * @throws LockBackendException if the server cannot be reached within the command timeout
   */
  public static LockClient connect(URI uri, LockOptions options, ClassLoader loader) {
    Checks.notNull(uri, "uri");
    Checks.notNull(options, "options");
    Checks.notNull(loader, "loader");
    Checks.argument(uri.getScheme() != null,
        "uri must start with a scheme such as redis://, zookeeper:// or memory:, was '%s'", Uris.redact(uri));
    return provider(uri, loader).connect(uri, options);
  }

  private static URI parse(@Nullable String uri) {
    Checks.notNull(uri, "uri");
    String text = uri.strip();
    // "memory:" alone is not a URI to java.net.URI (empty scheme-specific part); read it as "memory:/"
    if (text.endsWith(":") && text.indexOf(':') == text.length() - 1) {
      text = text + "/";
    }
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      // neither the message nor a cause may carry the password that the text may hold
      throw new IllegalArgumentException("uri is not a valid URI: " + e.getReason()
          + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "") + ": " + Uris.redact(text)
          + " (characters outside the URI syntax, such as spaces or a '%' in a password, must be "
          + "percent-encoded)");
    }
  }

  private static LockProvider provider(URI uri, ClassLoader loader) {
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    List<LockProvider> matches = new ArrayList<>();
    TreeSet<String> available = new TreeSet<>();
    List<String> broken = new ArrayList<>();
    Iterator<LockProvider> it = ServiceLoader.load(LockProvider.class, loader).iterator();
    while (true) {
      LockProvider provider;
      try {
        if (!it.hasNext()) {
          break;
        }
        provider = it.next();
        available.addAll(provider.schemes());
        if (provider.supports(uri)) {
          matches.add(provider);
        }
      } catch (ServiceConfigurationError | LinkageError e) {
        // an optional driver missing, or a broken jar: skip it, but say so if the scheme finds nothing
        log.debug("Skipping a lock provider that failed to load", e);
        broken.add(String.valueOf(e.getMessage()));
      }
    }
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      StringBuilder msg = new StringBuilder("no lock provider for the scheme '").append(scheme)
          .append("' of ").append(Uris.redact(uri)).append("; schemes on the class path: ").append(available);
      if (!scheme.equals("memory") && !available.contains(scheme)) {
        msg.append(" (add lock-redis for redis, rediss, redis-cluster and redis-sentinel; lock-zookeeper for zookeeper)");
      }
      if (!broken.isEmpty()) {
        msg.append("; providers that failed to load: ").append(broken);
      }
      throw new IllegalArgumentException(msg.toString());
    }
    throw new IllegalArgumentException("more than one lock provider serves the scheme '" + scheme + "': "
        + matches.stream().map(p -> p.getClass().getName()).collect(Collectors.joining(", "))
        + "; remove one of them from the class path");
  }
}
