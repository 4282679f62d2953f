package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.redis.testing.SharedServers;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** The whole contract, unchanged, with the Jedis driver on a standalone server. */
class JedisStandaloneContractTest extends LockContractTest {
  @Override
  protected LockClient newClient(LockOptions options) {
    return Locks.connect(SharedServers.standaloneUri() + "?driver=jedis", options);
  }

  /**
   * Cohorting on only: cohorting is client-side, so the off run adds nothing here that the Lettuce standalone
   * run (both modes) does not already show, and the build's time stays in bounds.
   */
  protected static List<Arguments> cohortingModes() {
    return List.of(Arguments.argumentSet("cohorting on", true));
  }
}
