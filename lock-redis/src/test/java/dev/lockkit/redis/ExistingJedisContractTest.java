package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.redis.testing.SharedServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
}
