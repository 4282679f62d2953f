/**
 * An idempotency store in a SQL database, {@link dev.lockkit.idempotency.jdbc.JdbcIdempotencyStore}: PostgreSQL
 * and H2 through a {@link javax.sql.DataSource}, each operation one short transaction that locks the key's row,
 * expiry on the database's clock.
 */
@NullMarked
package dev.lockkit.idempotency.jdbc;

import org.jspecify.annotations.NullMarked;
