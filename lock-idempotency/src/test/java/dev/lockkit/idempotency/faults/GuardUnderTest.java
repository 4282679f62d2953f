package dev.lockkit.idempotency.faults;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A guard as the fault clients drive it: one attempt of a request, answered or failed. */
interface GuardUnderTest extends AutoCloseable {
  /**
   * One attempt of the request for {@code key}: its answer (the result of the one execution that counts, run
   * now or replayed), or an exception if the caller should retry.
   */
  String request(String key) throws Exception;

  @Override
  void close();

  /**
   * The action both guards run: half of its time, the effect on {@code c} (in the caller's transaction, or
   * auto-committed), the other half; the start is reported first, so that the test can freeze a client inside.
   */
  final class Action {
    private final String client;
    private final Duration length;
    private final ResultWriter out;
    private final GuardKind guard;

    Action(String client, Duration length, ResultWriter out, GuardKind guard) {
      this.client = client;
      this.length = length;
      this.out = out;
      this.guard = guard;
    }

    String run(Connection c, String key, String token) throws Exception {
      out.write(ResultLine.of(ResultLine.Type.ACT, guard.name(), key));
      long half = length.toNanos() / 2;
      TimeUnit.NANOSECONDS.sleep(half); // the action's own work, before its effect
      String result = Effects.insert(c, key, client, token);
      TimeUnit.NANOSECONDS.sleep(length.toNanos() - half); // and after it
      return result;
    }
  }
}
