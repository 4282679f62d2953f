package dev.lockkit.spi;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import java.net.URI;
import java.util.Set;

/**
 * A backend's entry point, registered in {@code META-INF/services/dev.lockkit.spi.LockProvider}. Providers
 * are instantiated by {@link java.util.ServiceLoader}, so they need a public no-argument constructor, and
 * should not touch their optional drivers before {@link #connect}: a provider that fails to load is skipped.
 */
public interface LockProvider {

  /**
   * The URI schemes this provider serves, lower case, such as {@code redis} or {@code memory}.
   *
   * @return the schemes, never empty
   */
  Set<String> schemes();

  /**
   * Whether this provider serves the URI. Answers false for a foreign scheme and never throws.
   *
   * @param uri the URI the user connects to
   * @return true if {@link #schemes()} contains its scheme
   */
  default boolean supports(URI uri) {
    String scheme = uri.getScheme();
    return scheme != null && schemes().contains(scheme.toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * Connects to the server the URI names.
   *
   * @param uri a URI with one of {@link #schemes()}
   * @param options the client's options
   * @return a connected client
   * @throws IllegalArgumentException if the URI is malformed for this backend, saying what is wrong
   * @throws dev.lockkit.LockBackendException if the server cannot be reached within the command timeout,
   *     or a driver the URI needs is missing from the class path
   */
  LockClient connect(URI uri, LockOptions options);
}
