package dev.lockkit.internal;

import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * URIs as messages and logs may show them: without the password of their user info. Not API; the backends use
 * it for every message, cause and log line that shows a URI.
 */
public final class Uris {
  private Uris() {}

  /**
   * The URI as text with everything between its scheme and its last {@code @} replaced by {@code ***}
   * ({@code redis://***@host:6379}). The last {@code @}, not the first, and not the end of a well-formed user
   * info: a password with an unencoded {@code @ / ? #} is read by {@link URI} as host, path, query or fragment,
   * and must not show either. An {@code @} in a query hides more than needed, never less.
   *
   * @param uri a URI, or null
   * @return the redacted text ("null" for null)
   */
  public static String redact(@Nullable URI uri) {
    return uri == null ? "null" : redact(uri.toString());
  }

  /**
   * As {@link #redact(URI)}, for text that may not even parse as a URI (for the message that says so).
   *
   * @param uri the text, or null
   * @return the redacted text ("null" for null)
   */
  public static String redact(@Nullable String uri) {
    if (uri == null) {
      return "null";
    }
    int at = uri.lastIndexOf('@');
    if (at < 0) {
      return uri;
    }
    int colon = uri.indexOf(':');
    int start = colon < 0 || colon > at ? 0 : uri.startsWith("//", colon + 1) ? colon + 3 : colon + 1;
    return uri.substring(0, start) + "***" + uri.substring(at);
  }
}
