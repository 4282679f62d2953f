package dev.lockkit.idempotency.redis;

import dev.lockkit.idempotency.contract.IdempotencyStoreContract;
import dev.lockkit.idempotency.redis.RedisStores.Setup;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import org.junit.jupiter.api.AfterAll;

/** The store contract on {@link RedisIdempotencyStore} with Jedis on the standalone server. */
class JedisStandaloneStoreContractTest extends IdempotencyStoreContract {
  private static final RedisStores STORES = new RedisStores();
  private static final RedisIdempotencyStore STORE = STORES.store(Setup.JEDIS_STANDALONE);

  @AfterAll
  static void closeClient() throws Exception {
    STORES.close();
  }

  @Override
  protected IdempotencyStore store() {
    return STORE;
  }
}
