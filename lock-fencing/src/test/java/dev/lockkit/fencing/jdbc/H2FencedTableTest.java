package dev.lockkit.fencing.jdbc;

class H2FencedTableTest extends FencedTableContract {
  @Override
  Database openDatabase() {
    return Database.h2("fenced_table");
  }
}
