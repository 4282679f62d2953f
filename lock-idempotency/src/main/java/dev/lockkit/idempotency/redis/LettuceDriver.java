package dev.lockkit.idempotency.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Lettuce's synchronous scripting commands, of a standalone or a cluster connection (routed by the key). */
final class LettuceDriver implements Driver {
  private final RedisScriptingCommands<String, String> commands;

  LettuceDriver(RedisScriptingCommands<String, String> commands) {
    this.commands = commands;
  }

  @Override
  public @Nullable Object evalsha(String sha, Reply reply, String key, List<String> args) {
    return commands.evalsha(sha, type(reply), new String[] {key}, args.toArray(String[]::new));
  }

  @Override
  public @Nullable Object eval(String script, Reply reply, String key, List<String> args) {
    return commands.eval(script, type(reply), new String[] {key}, args.toArray(String[]::new));
  }

  @Override
  public String name() {
    return "Lettuce";
  }

  private static ScriptOutputType type(Reply reply) {
    return reply == Reply.INTEGER ? ScriptOutputType.INTEGER : ScriptOutputType.MULTI;
  }
}
