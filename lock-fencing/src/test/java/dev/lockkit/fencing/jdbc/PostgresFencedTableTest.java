package dev.lockkit.fencing.jdbc;

class PostgresFencedTableTest extends FencedTableContract {
  @Override
  Database openDatabase() {
    return Database.postgres();
  }
}
