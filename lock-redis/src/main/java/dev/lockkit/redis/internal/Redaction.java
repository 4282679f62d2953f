package dev.lockkit.redis.internal;

import dev.lockkit.internal.Uris;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Keeps credentials out of messages, causes and log lines: a URI's user info, and what the drivers write about
 * the server (Lettuce renders the URIs it was given as {@code redis://user:******@host}, user name included).
 */
final class Redaction {
  /** A URI's user info as drivers render it: {@code scheme://user:password@}, the user info without a slash. */
  private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^\\s/@\\[\\]]*@");
  /** Shorter passwords are not replaced in free text, which they would garble; URIs are redacted anyway. */
  private static final int MIN_LITERAL = 4;

  private Redaction() {}

  /**
   * The URI without its user info ({@link Uris#redact(String)}: everything up to the last {@code @}, also a
   * password with an unescaped {@code / ? #}), and with the values of query options other than {@code known}
   * masked.
   */
  static String uri(String uri, Collection<String> known) {
    String s = Uris.redact(uri);
    int start = Math.max(0, s.indexOf("***@"));
    int q = s.indexOf('?', start);
    if (q < 0) {
      return s;
    }
    int hash = s.indexOf('#', q);
    String query = hash < 0 ? s.substring(q + 1) : s.substring(q + 1, hash);
    StringBuilder b = new StringBuilder(s.substring(0, q + 1));
    String[] pairs = query.split("&", -1);
    for (int i = 0; i < pairs.length; i++) {
      String pair = pairs[i];
      int eq = pair.indexOf('=');
      b.append(i == 0 ? "" : "&");
      b.append(eq < 0 || known.contains(pair.substring(0, eq)) ? pair : pair.substring(0, eq) + "=***");
    }
    return hash < 0 ? b.toString() : b.append(s.substring(hash)).toString();
  }

  /** Free text with every URI's user info, and the password itself, replaced by {@code ***}. */
  static String text(String text, @Nullable String password) {
    String s = USER_INFO.matcher(text).replaceAll("$1***@");
    if (password != null && password.length() >= MIN_LITERAL) {
      s = s.replace(password, "***");
    }
    return s;
  }

  /**
   * {@code failure} if no message in its chain (causes and suppressed) names credentials; else a copy of the
   * chain in which each such message is redacted. A copy keeps the stack traces and shows the original class
   * name at the start of its message, but is a {@link RuntimeException}: callers look at lockkit's exception,
   * not at the driver's type inside it.
   */
  static Throwable scrub(Throwable failure, @Nullable String password) {
    return scrub(failure, password, new IdentityHashMap<>());
  }

  private static Throwable scrub(Throwable t, @Nullable String password, Map<Throwable, Throwable> done) {
    Throwable known = done.get(t);
    if (known != null) {
      return known;
    }
    done.put(t, t); // a cycle in the chain ends at the original
    String message = t.getMessage();
    String redacted = message == null ? null : text(message, password);
    Throwable cause = t.getCause();
    Throwable scrubbedCause = cause == null ? null : scrub(cause, password, done);
    Throwable[] suppressed = t.getSuppressed();
    Throwable[] scrubbedSuppressed = new Throwable[suppressed.length];
    boolean changed = !java.util.Objects.equals(message, redacted) || scrubbedCause != cause;
    for (int i = 0; i < suppressed.length; i++) {
      scrubbedSuppressed[i] = scrub(suppressed[i], password, done);
      changed |= scrubbedSuppressed[i] != suppressed[i];
    }
    if (!changed) {
      return t;
    }
    Throwable copy = new Redacted(t.getClass().getName() + (redacted == null ? "" : ": " + redacted),
        scrubbedCause);
    copy.setStackTrace(t.getStackTrace());
    for (Throwable s : scrubbedSuppressed) {
      copy.addSuppressed(s);
    }
    done.put(t, copy);
    return copy;
  }

  /** A driver's exception whose message named credentials, with them replaced. */
  static final class Redacted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Redacted(String message, @Nullable Throwable cause) {
      super(message, cause);
    }

    @Override
    public String toString() {
      return String.valueOf(getMessage()); // reads like the original's toString
    }
  }
}
