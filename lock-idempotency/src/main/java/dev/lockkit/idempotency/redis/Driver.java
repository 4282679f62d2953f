package dev.lockkit.idempotency.redis;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** What the scripts need of a Redis client: run a script on one key, by SHA or whole. A page per client. */
interface Driver {
  /** The shape of a script's reply. */
  enum Reply {
    INTEGER,
    ARRAY
  }

  /**
   * {@code EVALSHA} on one key; an integer reply as a {@link Long}, an array as a {@code List} of strings (nil
   * elements as {@code null}). Throws the client's own exception on an error reply ({@code NOSCRIPT} among
   * others) and on a timeout.
   */
  @Nullable Object evalsha(String sha, Reply reply, String key, List<String> args);

  /** {@code EVAL}: sends the script whole, which also caches it on the server for later {@code EVALSHA}s. */
  @Nullable Object eval(String script, Reply reply, String key, List<String> args);

  /** The client's name, for messages. */
  String name();
}
