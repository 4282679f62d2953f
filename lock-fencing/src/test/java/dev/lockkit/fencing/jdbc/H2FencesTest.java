package dev.lockkit.fencing.jdbc;

class H2FencesTest extends FencesContract {
  @Override
  Database openDatabase() {
    return Database.h2("fences");
  }
}
