package dev.lockkit.fencing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class PostgresSmokeTest {
  @Test
  void starts() throws Exception {
    try (PostgresServer pg = PostgresServer.start(); Connection c = pg.connect();
        ResultSet rs = c.createStatement().executeQuery("select version()")) {
      assertThat(rs.next()).isTrue();
      System.err.println(rs.getString(1) + " " + SqlDialect.of(c));
    }
  }
}
