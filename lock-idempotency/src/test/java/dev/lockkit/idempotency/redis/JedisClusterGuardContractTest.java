package dev.lockkit.idempotency.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.contract.IdempotencyGuardContract;
import dev.lockkit.idempotency.redis.RedisStores.Setup;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/**
 * The guard contract on {@link RedisIdempotencyStore} with Jedis on the three-master cluster,
 * and lockkit's {@code memory:} locks
 * (the Redis lock backend runs in {@link LettuceStandaloneGuardContractTest}).
 */
class JedisClusterGuardContractTest extends IdempotencyGuardContract {
  private static final String LOCKS = "memory:idempotency-" + UUID.randomUUID().toString().substring(0, 8);
  private static final RedisStores STORES = new RedisStores();
  private static final RedisIdempotencyStore STORE = STORES.store(Setup.JEDIS_CLUSTER);

  @AfterAll
  static void closeClient() throws Exception {
    STORES.close();
  }

  @Override
  protected LockClient connect(LockOptions options) {
    return Locks.connect(LOCKS, options);
  }

  @Override
  protected IdempotencyStore store() {
    return STORE;
  }
}
