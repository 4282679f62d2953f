package dev.lockkit.spring.shedlock;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.SharedServers;

/** ShedLock's provider contract on lockkit over a real standalone redis-server (Lettuce). */
class RedisShedLockTest extends ShedLockContract {

  @Override
  LockClient connect(LockOptions options) {
    return Locks.connect(SharedServers.standalone().uri(), options);
  }

  @Override
  int serverPort() {
    return SharedServers.standalone().port();
  }

  /** On Redis the server drops the key at the end of the lease time (lockAtMostFor) without renewals. */
  @Override
  LockClient connectCutOffQuickly(int port, LockOptions options) {
    return Locks.connect("redis://127.0.0.1:" + port, options);
  }
}
