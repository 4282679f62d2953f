package dev.lockkit.memory;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.spi.LockClients;
import dev.lockkit.spi.LockProvider;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Provides the {@code memory:} scheme. {@code memory:} (or {@code memory:/}) connects to the JVM's default
 * store, {@code memory:NAME} to the store of that name, created on first use and kept for the JVM's life.
 */
public final class MemoryLockProvider implements LockProvider {
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
    Checks.argument(supports(uri), "uri must have the scheme memory, was %s", uri);
    String part = uri.getSchemeSpecificPart() == null ? "" : uri.getSchemeSpecificPart();
    String store = part.replaceFirst("^/+", "");
    if (store.isEmpty()) {
      store = "default";
    }
    Checks.argument(STORE.matcher(store).matches(),
        "memory store name must be 1 to 64 of A-Z a-z 0-9 _ -, was '%s' in %s", store, uri);
    MemoryLockServer server = STORES.computeIfAbsent(store, MemoryLockServer::new);
    return LockClients.create(options, context -> new MemoryBackend(server, context));
  }
}
