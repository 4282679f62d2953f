package dev.lockkit.idempotency.jdbc;

import dev.lockkit.idempotency.contract.IdempotencyStoreContract;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import org.junit.jupiter.api.AfterAll;

/** The store contract on {@link JdbcIdempotencyStore} in PostgreSQL 14, one store for the class. */
class PostgresStoreContractTest extends IdempotencyStoreContract {
  private static final Database DATABASE = Database.postgres();
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
