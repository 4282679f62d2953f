package dev.lockkit.internal;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The rules for lock names, checked before anything is sent. */
public final class Names {
  /** Longest lock name accepted, in chars. */
  public static final int MAX_LENGTH = 200;

  private static final Pattern SEGMENT = Pattern.compile("[\\p{L}\\p{N}_\\-.:@=+#,~!]+");

  private Names() {}

  /**
   * Returns the name if it is a valid lock name, else throws {@link IllegalArgumentException} saying which
   * rule it broke.
   */
  public static String check(@Nullable String name) {
    Checks.notNull(name, "lock name");
    Checks.argument(!name.isBlank(), "lock name must not be blank, was '%s'", name);
    Checks.argument(name.length() <= MAX_LENGTH,
        "lock name must be at most %s characters, was %s characters", MAX_LENGTH, name.length());
    for (String segment : name.split("/", -1)) {
      Checks.argument(!segment.isEmpty(),
          "lock name must not start or end with '/' or contain '//', was '%s'", name);
      Checks.argument(!segment.equals(".") && !segment.equals(".."),
          "lock name must not contain '.' or '..' segments (they would escape the namespace), was '%s'", name);
      Checks.argument(SEGMENT.matcher(segment).matches(),
          "lock name may contain only letters, digits, '/' and any of _-.:@=+#,~! but was '%s'", name);
    }
    return name;
  }
}
