package dev.lockkit.fencing.jdbc;

class PostgresFencesTest extends FencesContract {
  @Override
  Database openDatabase() {
    return Database.postgres();
  }
}
