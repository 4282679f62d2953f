package dev.lockkit.idempotency.jdbc;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.idempotency.contract.IdempotencyGuardContract;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** The guard contract on {@link JdbcIdempotencyStore} in an in-memory H2 database and lockkit's memory locks. */
class H2GuardContractTest extends IdempotencyGuardContract {
  private static final String LOCKS = "memory:idempotency-" + UUID.randomUUID().toString().substring(0, 8);
  private static final Database DATABASE = Database.h2("guard-contract");
  private static final JdbcIdempotencyStore STORE = DATABASE.store();

  @AfterAll
  static void closeDatabase() {
    DATABASE.close();
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
