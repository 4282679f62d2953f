package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.redis.testing.SharedServers;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The whole contract, unchanged, with lock clients on one pooled Jedis client of the application's (Jedis 8's
 * {@code RedisClient}, what {@code JedisPooled} was), on a standalone server: lockkit borrows connections from its
 * pool and gives back only clean ones.
 */
class ExistingJedisContractTest extends LockContractTest {
  private static redis.clients.jedis.RedisClient client;

  @BeforeAll
  static void createClient() {
    client = redis.clients.jedis.RedisClient.create("127.0.0.1", SharedServers.standalone().port());
  }

  @AfterAll
  static void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  @Override
  protected LockClient newClient(LockOptions options) {
    return RedisLocks.onJedis(client, options);
  }

  /**
   * Cohorting on only: cohorting is client-side, so the off run adds nothing here that the URI-built client's
   * run of the same driver does not already show, and the build's time stays in bounds.
   */
  protected static List<Arguments> cohortingModes() {
    return List.of(Arguments.argumentSet("cohorting on", true));
  }
}
