package dev.lockkit.idempotency.memory;

import dev.lockkit.idempotency.contract.IdempotencyStoreContract;
import dev.lockkit.idempotency.spi.IdempotencyStore;

/** The store contract on {@link MemoryIdempotencyStore}, a new store per test. */
class MemoryStoreContractTest extends IdempotencyStoreContract {
  @Override
  protected IdempotencyStore store() {
    return new MemoryIdempotencyStore();
  }
}
