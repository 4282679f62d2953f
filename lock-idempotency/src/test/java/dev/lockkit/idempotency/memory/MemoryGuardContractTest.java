package dev.lockkit.idempotency.memory;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.contract.IdempotencyGuardContract;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import java.util.UUID;

/** The guard contract on lockkit's {@code memory:} backend and {@link MemoryIdempotencyStore}. */
class MemoryGuardContractTest extends IdempotencyGuardContract {
  /** A lock store of this test class's own, so that no other class's locks meet its names. */
  private static final String URI = "memory:idempotency-" + UUID.randomUUID().toString().substring(0, 8);
  private static final MemoryIdempotencyStore STORE = new MemoryIdempotencyStore();

  @Override
  protected LockClient connect(LockOptions options) {
    return Locks.connect(URI, options);
  }

  @Override
  protected IdempotencyStore store() {
    return STORE;
  }
}
