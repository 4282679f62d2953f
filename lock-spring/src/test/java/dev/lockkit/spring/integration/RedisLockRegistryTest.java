package dev.lockkit.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;

/** The registry's contract on lockkit over a real standalone redis-server (Lettuce). */
class RedisLockRegistryTest extends LockRegistryContract {

  @Override
  LockClient connect(LockOptions options) {
    return Locks.connect(SharedServers.standalone().uri(), options);
  }

  /** Deletes the lock's key, {@code <namespace>:{<name>}}. */
  @Override
  void deleteOnServer(String name) {
    try (Resp resp = SharedServers.standalone().resp()) {
      assertThat(resp.call("DEL", NAMESPACE + ":{" + name + "}")).as("the lock's key existed").isEqualTo(1L);
    }
  }
}
