package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.redis.testing.SharedServers;

/** The whole contract, unchanged, with the Jedis driver on a standalone server. */
class JedisStandaloneContractTest extends LockContractTest {
  @Override
  protected LockClient newClient(LockOptions options) {
    return Locks.connect(SharedServers.standaloneUri() + "?driver=jedis", options);
  }
}
