package dev.lockkit.internal;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * URIs as messages and logs may show them: without the password of their user info. Not API; the backends use
 * it for every message, cause and log line that shows a URI.
 */
public final class Uris {
  /** A scheme, then {@code //}, then user info up to the last {@code @} before the path, query or fragment. */
  private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)@");

  private Uris() {}

  /**
   * The URI as text with its password replaced by {@code ***} ({@code redis://app:***@host:6379}); a user
   * info without a colon, which some servers read as a password alone, is replaced whole.
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
    Matcher m = USER_INFO.matcher(uri);
    if (!m.find()) {
      return uri;
    }
    String info = m.group(2);
    int colon = info.indexOf(':');
    String shown = colon < 0 ? "***" : info.substring(0, colon) + ":***";
    return uri.substring(0, m.start(2)) + shown + uri.substring(m.end(2));
  }
}
