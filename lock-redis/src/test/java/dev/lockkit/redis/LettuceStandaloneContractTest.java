package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.contract.ContractBase;
import dev.lockkit.contract.LockContractTest;
import dev.lockkit.redis.testing.SharedServers;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** The whole contract, unchanged, with the Lettuce driver on a standalone server. */
class LettuceStandaloneContractTest extends LockContractTest {
  @Override
  protected LockClient newClient(LockOptions options) {
    return Locks.connect(SharedServers.standaloneUri(), options);
  }

  /**
   * Both cohorting modes, except in the build's round on the Redis 6.2 binary ({@code lockkit.redis.embedded}
   * set while Redis 7 is on the machine): there cohorting on only, as cohorting is client-side and the round
   * is about the server, and the build's time stays in bounds. Where 6.2 is the only Redis (a JDK-only
   * machine) the default run has both modes on it.
   */
  protected static List<Arguments> cohortingModes() {
    return Boolean.getBoolean("lockkit.redis.embedded")
        ? List.of(Arguments.argumentSet("cohorting on", true)) : ContractBase.cohortingModes();
  }
}
