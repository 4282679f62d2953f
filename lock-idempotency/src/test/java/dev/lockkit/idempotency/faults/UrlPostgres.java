package dev.lockkit.idempotency.faults;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL 14 from zonky's binaries for the fault runs, reachable by URL from child JVMs (the jdbc
 * package's fixture gives only a {@code DataSource}). Binaries under {@code target/embedded-pg}, shared with the
 * other PostgreSQL tests; a fresh data directory under {@code java.io.tmpdir}, removed on {@link #close()}.
 */
final class UrlPostgres implements AutoCloseable {
  private static final Path BINARIES = Path.of("target", "embedded-pg").toAbsolutePath();

  private final EmbeddedPostgres postgres;

  private UrlPostgres(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static UrlPostgres start() {
    try {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      Files.createDirectories(tmp);
      return new UrlPostgres(EmbeddedPostgres.builder()
          .setOverrideWorkingDirectory(BINARIES.toFile())
          .setDataDirectory(Files.createTempDirectory(tmp, "pgdata"))
          .setCleanDataDirectory(true)
          .setServerConfig("max_connections", "300")
          .setPGStartupWait(Duration.ofSeconds(60))
          .start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
    }
  }

  int port() {
    return postgres.getPort();
  }

  /** The URL of the {@code postgres} database as user {@code postgres} on {@code port} (the server's or a proxy's). */
  static String jdbcUrl(int port) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
