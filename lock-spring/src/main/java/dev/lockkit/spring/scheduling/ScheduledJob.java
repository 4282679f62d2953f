package dev.lockkit.spring.scheduling;

import dev.lockkit.DistributedLock;
import dev.lockkit.LockClient;
import dev.lockkit.LockSettings;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.PropertyResolver;

/**
 * One {@link ScheduledLock} method, its annotation resolved and checked: the lock it takes and what a skipped
 * call returns.
 */
final class ScheduledJob {
  private final String name;
  private final String method;
  private final DistributedLock lock;
  private final @Nullable Object skipValue;

  private ScheduledJob(String name, String method, DistributedLock lock, @Nullable Object skipValue) {
    this.name = name;
    this.method = method;
    this.lock = lock;
    this.skipValue = skipValue;
  }

  /**
   * Resolves the annotation of {@code method} against {@code properties} and makes its lock on {@code client}.
   *
   * @throws IllegalArgumentException naming the method, the attribute and the value, if one is bad
   */
  static ScheduledJob resolve(Method method, ScheduledLock annotation, PropertyResolver properties,
      LockClient client) {
    String where = "@ScheduledLock on " + describe(method);
    Class<?> returnType = method.getReturnType();
    if (returnType.isPrimitive() && returnType != void.class) {
      throw new IllegalArgumentException(where + ": the method returns " + returnType.getName()
          + ", but a call skipped because another node holds the lock returns null; declare void or an object type"
          + " (such as " + boxed(returnType) + ")");
    }
    String name = placeholders(where, "name", annotation.name(), properties);
    if (name.isBlank()) {
      throw new IllegalArgumentException(where + ": name is blank (\"" + annotation.name()
          + "\"); give the job's lock name, such as \"jobs/nightly-report\"");
    }
    LockSettings.Builder settings = LockSettings.builder();
    Duration atMost = duration(where, "lockAtMostFor", annotation.lockAtMostFor(), properties);
    if (atMost != null) {
      try {
        settings.leaseTime(atMost);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": lockAtMostFor \"" + annotation.lockAtMostFor()
            + "\" is not a lease time lockkit allows (" + e.getMessage() + ")", e);
      }
    }
    Duration atLeast = duration(where, "lockAtLeastFor", annotation.lockAtLeastFor(), properties);
    if (atLeast != null) {
      try {
        settings.minimumHold(atLeast);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": lockAtLeastFor \"" + annotation.lockAtLeastFor()
            + "\" is not a minimum hold lockkit allows (" + e.getMessage() + ")", e);
      }
    }
    try {
      client.lock(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": name \"" + name + "\" is not a lockkit lock name ("
          + e.getMessage() + ")", e);
    }
    DistributedLock lock;
    try {
      lock = client.lock(name, settings.build());
    } catch (IllegalArgumentException e) {
      // the name passed above: what is left is the lease time against the client's other options
      throw new IllegalArgumentException(where + ": lockAtMostFor \"" + annotation.lockAtMostFor()
          + "\" does not fit the LockClient's options " + client.options() + " (" + e.getMessage() + ")", e);
    }
    Object skipValue = returnType == Optional.class ? Optional.empty() : null;
    return new ScheduledJob(name, describe(method), lock, skipValue);
  }

  /** The job's lock name, placeholders resolved. */
  String name() {
    return name;
  }

  /** The method, as {@code com.example.Job.method(ParamType, ...)}, for messages. */
  String method() {
    return method;
  }

  /** The job's lock, with the annotation's settings. */
  DistributedLock lock() {
    return lock;
  }

  /** What a skipped call returns: null, or an empty Optional. */
  @Nullable Object skipValue() {
    return skipValue;
  }

  private static String placeholders(String where, String attribute, String value, PropertyResolver properties) {
    try {
      return properties.resolveRequiredPlaceholders(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + attribute + " \"" + value + "\" has a placeholder that"
          + " cannot be resolved (" + e.getMessage() + ")", e);
    }
  }

  private static @Nullable Duration duration(String where, String attribute, String value,
      PropertyResolver properties) {
    String resolved = placeholders(where, attribute, value, properties).strip();
    if (resolved.isEmpty()) {
      return null;
    }
    try {
      return DurationStyle.detectAndParse(resolved);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + attribute + " \"" + value + "\""
          + (resolved.equals(value) ? "" : " (\"" + resolved + "\")")
          + " is not a duration; write it as \"30s\", \"500ms\", \"5m\" or \"PT30S\", or leave it empty", e);
    }
  }

  private static String describe(Method method) {
    return method.getDeclaringClass().getName() + "." + method.getName()
        + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
            .collect(Collectors.joining(", ", "(", ")"));
  }

  private static String boxed(Class<?> primitive) {
    return primitive == int.class ? "Integer" : primitive == char.class ? "Character"
        : Character.toUpperCase(primitive.getName().charAt(0)) + primitive.getName().substring(1);
  }
}
