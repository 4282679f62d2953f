package dev.lockkit.spring.web;

import dev.lockkit.idempotency.IdempotencyKey;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code Idempotency-Key} header. The draft makes it a Structured Field string (RFC 8941 {@code sf-string}:
 * printable ASCII in double quotes, with {@code \"} and {@code \\} escapes); clients often send the bare value
 * (a UUID) instead, which is taken as it is. Either way the key is 1 to {@value IdempotencyKey#MAX_KEY_LENGTH}
 * characters without control characters.
 */
final class KeyHeader {
  private KeyHeader() {}

  /** The key, or the reason it is refused. */
  record Parsed(@Nullable String key, @Nullable String problem) {}

  /**
   * The key of the header's values.
   *
   * @param values every value of the header in the request (none if absent)
   * @return null if absent; else the key or the problem
   */
  static @Nullable Parsed parse(List<String> values) {
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      return problem("The " + IdempotencyKeyFilter.HEADER + " header was given " + values.size()
          + " times; give it once");
    }
    String value = values.get(0).strip();
    String key = value;
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      key = unquote(value);
      if (key == null) {
        return problem("The " + IdempotencyKeyFilter.HEADER + " header is not a valid quoted string: inside the"
            + " quotes only printable ASCII is allowed, and a backslash only before \" or \\");
      }
    }
    if (key.isEmpty()) {
      return problem("The " + IdempotencyKeyFilter.HEADER + " header is empty; give 1 to "
          + IdempotencyKey.MAX_KEY_LENGTH + " characters, such as a UUID");
    }
    if (key.length() > IdempotencyKey.MAX_KEY_LENGTH) {
      return problem("The " + IdempotencyKeyFilter.HEADER + " header is " + key.length()
          + " characters long; the limit is " + IdempotencyKey.MAX_KEY_LENGTH + " characters");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        return problem("The " + IdempotencyKeyFilter.HEADER + " header has a control character at index " + i
            + "; use printable characters, such as a UUID");
      }
    }
    return new Parsed(key, null);
  }

  private static Parsed problem(String message) {
    return new Parsed(null, message);
  }

  /** The content of an sf-string, or null if it is not one. */
  private static @Nullable String unquote(String quoted) {
    StringBuilder out = new StringBuilder(quoted.length());
    int end = quoted.length() - 1;
    for (int i = 1; i < end; i++) {
      char c = quoted.charAt(i);
      if (c == '\\') {
        if (i + 1 >= end) {
          return null;
        }
        char next = quoted.charAt(++i);
        if (next != '"' && next != '\\') {
          return null;
        }
        out.append(next);
      } else if (c == '"' || c < 0x20 || c > 0x7e) {
        return null;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
