/**
 * Fenced writes over JDBC, on PostgreSQL and H2, with nothing but {@code java.sql}.
 *
 * <ul>
 *   <li>{@link dev.lockkit.fencing.jdbc.FencedTable}: a table whose rows carry their own {@code fence} column;
 *       {@code update} and {@code upsert} write a row only if its stored fence is below the writer's token.</li>
 *   <li>{@link dev.lockkit.fencing.jdbc.Fences}: one table of fences, one row per fenced resource;
 *       {@code advance} raises a resource's fence inside the caller's transaction, which fences every other
 *       write of that transaction.</li>
 * </ul>
 *
 * <p>Both run on the caller's {@link java.sql.Connection} and in its transaction: they never commit, roll back
 * or change the connection's settings. Table and column names are checked as SQL identifiers when the helper is
 * built; values and tokens are always bound as parameters, never written into the SQL.
 */
@NullMarked
package dev.lockkit.fencing.jdbc;

import org.jspecify.annotations.NullMarked;
