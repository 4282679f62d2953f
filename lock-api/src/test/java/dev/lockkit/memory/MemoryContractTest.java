package dev.lockkit.memory;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.contract.LockContractTest;

/** The in-memory backend passes the whole contract. */
class MemoryContractTest extends LockContractTest {
  @Override
  protected LockClient newClient(LockOptions options) {
    return Locks.connect("memory:contract", options);
  }
}
