package dev.lockkit.redis.internal;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns what a driver returns for a script into an array of integers: the array a lockkit script returned, or
 * an array of the one integer it returned bare.
 */
final class Replies {
  private Replies() {}

  static List<Long> longs(@Nullable Object reply) {
    if (reply instanceof Number n) {
      return List.of(n.longValue());
    }
    if (!(reply instanceof List<?> list)) {
      throw unexpected(reply);
    }
    List<Long> result = new ArrayList<>(list.size());
    for (Object o : list) {
      if (o instanceof Number n) {
        result.add(n.longValue());
      } else {
        throw unexpected(reply);
      }
    }
    return result;
  }

  private static IllegalStateException unexpected(@Nullable Object reply) {
    return new IllegalStateException("a lockkit script returned " + reply + " instead of an integer or an array of "
        + "integers");
  }
}
