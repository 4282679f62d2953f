package dev.lockkit.idempotency.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.contract.IdempotencyGuardContract;
import dev.lockkit.idempotency.redis.RedisStores.Setup;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.redis.testing.SharedServers;
import org.junit.jupiter.api.AfterAll;

/**
 * The guard contract on lockkit's Redis lock backend and {@link RedisIdempotencyStore} with Lettuce, both on the
 * shared standalone server: the whole thing as an application runs it, fencing tokens above 2^53 included.
 */
class LettuceStandaloneGuardContractTest extends IdempotencyGuardContract {
  private static final RedisStores STORES = new RedisStores();
  private static final RedisIdempotencyStore STORE = STORES.store(Setup.LETTUCE_STANDALONE);

  @AfterAll
  static void closeClient() throws Exception {
    STORES.close();
  }

  @Override
  protected LockClient connect(LockOptions options) {
    return Locks.connect(SharedServers.standalone().uri(), options);
  }

  @Override
  protected IdempotencyStore store() {
    return STORE;
  }
}
