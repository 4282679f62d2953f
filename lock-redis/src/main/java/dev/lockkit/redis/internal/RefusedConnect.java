package dev.lockkit.redis.internal;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A connect that the server answered with an error reply: a wrong password ({@code WRONGPASS}), none
 * ({@code NOAUTH}), a database that does not exist, a standalone server named as a cluster. The drivers bury
 * that reply a cause or two deep (and, in a cluster, among the suppressed exceptions of one per seed node); a
 * driver's {@code open} digs it out with {@link #find}, so that {@link RedisBackend#open} can put it in the top
 * message, with a hint on what to check. The cause is the driver's exception, as thrown.
 */
final class RefusedConnect extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reply;

  private RefusedConnect(String reply, Throwable cause) {
    super(reply, cause);
    this.reply = reply;
  }

  /**
   * A {@link RefusedConnect} with the message of the first {@code replyType} (the driver's exception for an error
   * reply) found in {@code failure}'s causes and suppressed exceptions, nearest first; or {@code failure} itself
   * if none is there (the server could not be reached or did not answer).
   */
  static RuntimeException find(RuntimeException failure, Class<? extends Throwable> replyType) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Queue<Throwable> next = new ArrayDeque<>();
    next.add(failure);
    while (!next.isEmpty()) {
      Throwable t = next.remove();
      if (!seen.add(t)) {
        continue;
      }
      if (replyType.isInstance(t) && t.getMessage() != null && !t.getMessage().isBlank()) {
        return new RefusedConnect(t.getMessage().strip(), failure);
      }
      if (t.getCause() != null) {
        next.add(t.getCause());
      }
      Collections.addAll(next, t.getSuppressed());
    }
    return failure;
  }

  /** The server's error reply, such as {@code WRONGPASS invalid username-password pair or user is disabled.} */
  String reply() {
    return reply;
  }

  /** What to check for the replies a misconfigured URI or server gets, or null for any other reply. */
  @Nullable String hint() {
    String upper = reply.toUpperCase(Locale.ROOT);
    if (upper.startsWith("WRONGPASS")) {
      return "check the user and password in the URI";
    }
    if (upper.startsWith("NOAUTH")) {
      return "the server requires a password: give it in the URI, as redis://:password@host for the default user "
          + "or redis://user:password@host for an ACL user";
    }
    if (upper.startsWith("NOPERM")) {
      return "the ACL user lacks a command, key or channel that lockkit uses: see the ACL rules in the README";
    }
    if (upper.contains("DB INDEX IS OUT OF RANGE")) {
      return "the database number in the URI's path must be below the server's 'databases' setting, 16 by "
          + "default";
    }
    if (upper.contains("CLUSTER SUPPORT DISABLED")) {
      return "the server is not a cluster node: use redis://host:port for a standalone server";
    }
    if (upper.contains("WITHOUT ANY PASSWORD CONFIGURED") || upper.contains("NO PASSWORD IS SET")) {
      return "the server has no password for that user: leave the password out of the URI";
    }
    return null;
  }
}
