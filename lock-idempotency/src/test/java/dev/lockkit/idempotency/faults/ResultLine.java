package dev.lockkit.idempotency.faults;

import java.util.Arrays;
import java.util.List;

/**
 * One line a client appends to its results file, tab-separated: {@code READY} (connected, waiting for the go),
 * {@code ACT guard key} (an action of this client starts), {@code ANSWER guard key result attempts} (a caller got
 * a result), {@code RETRY guard key cause} (an attempt failed and is retried), {@code GAVEUP guard key attempts
 * error} (the request's deadline passed without an answer), {@code DONE} (every request ended).
 *
 * @param type the first field
 * @param fields the others
 */
record ResultLine(Type type, List<String> fields) {
  enum Type { READY, ACT, ANSWER, RETRY, GAVEUP, DONE }

  ResultLine {
    fields = List.copyOf(fields);
  }

  static ResultLine of(Type type, String... fields) {
    return new ResultLine(type, List.of(fields));
  }

  static ResultLine parse(String line) {
    String[] parts = line.split("\t", -1);
    return new ResultLine(Type.valueOf(parts[0]), Arrays.asList(parts).subList(1, parts.length));
  }

  String format() {
    StringBuilder b = new StringBuilder(type.name());
    for (String f : fields) {
      b.append('\t').append(f.replace('\t', ' ').replace('\n', ' ').replace('\r', ' '));
    }
    return b.toString();
  }

  GuardKind guard() {
    return GuardKind.valueOf(fields.get(0));
  }

  String key() {
    return fields.get(1);
  }

  /** The result of an {@code ANSWER}, the cause of a {@code RETRY}. */
  String third() {
    return fields.get(2);
  }
}
