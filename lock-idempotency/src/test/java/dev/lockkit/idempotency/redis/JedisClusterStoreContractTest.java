package dev.lockkit.idempotency.redis;

import dev.lockkit.idempotency.contract.IdempotencyStoreContract;
import dev.lockkit.idempotency.redis.RedisStores.Setup;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import org.junit.jupiter.api.AfterAll;

/** The store contract on {@link RedisIdempotencyStore} with Jedis on the three-master cluster. */
class JedisClusterStoreContractTest extends IdempotencyStoreContract {
  private static final RedisStores STORES = new RedisStores();
  private static final RedisIdempotencyStore STORE = STORES.store(Setup.JEDIS_CLUSTER);

  @AfterAll
  static void closeClient() throws Exception {
    STORES.close();
  }

  @Override
  protected IdempotencyStore store() {
    return STORE;
  }
}
