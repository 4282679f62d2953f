package dev.lockkit.idempotency.jdbc;

import dev.lockkit.idempotency.contract.IdempotencyStoreContract;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import org.junit.jupiter.api.AfterAll;

/** The store contract on {@link JdbcIdempotencyStore} in an in-memory H2 database, one store for the class. */
class H2StoreContractTest extends IdempotencyStoreContract {
  private static final Database DATABASE = Database.h2("store-contract");
  private static final JdbcIdempotencyStore STORE = DATABASE.store();

  @AfterAll
  static void closeDatabase() {
    DATABASE.close();
  }

  @Override
  protected IdempotencyStore store() {
    return STORE;
  }
}
