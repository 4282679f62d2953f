package dev.lockkit.idempotency.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A real PostgreSQL 14 from zonky's binaries (Maven Central), one per test class. The binaries are extracted
 * under {@code target/embedded-pg} (kept for the next run, gone with {@code mvn clean}); the data directory is a
 * fresh one under the test JVM's temporary directory ({@code target/test-tmp}), removed on {@link #close()}.
 * (As root, zonky runs PostgreSQL in a user namespace through {@code unshare -U}: PostgreSQL refuses root.)
 */
final class PostgresServer implements AutoCloseable {
  private static final Path BINARIES = Path.of("target", "embedded-pg").toAbsolutePath();

  private final EmbeddedPostgres postgres;

  private PostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static PostgresServer start() {
    try {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      Files.createDirectories(tmp);
      Path data = Files.createTempDirectory(tmp, "pgdata");
      return new PostgresServer(EmbeddedPostgres.builder()
          .setOverrideWorkingDirectory(BINARIES.toFile())
          .setDataDirectory(data)
          .setCleanDataDirectory(true)
          .setPGStartupWait(Duration.ofSeconds(60))
          .start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
    }
  }

  DataSource dataSource() {
    return postgres.getPostgresDatabase();
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
