package dev.lockkit.idempotency.faults;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.fencing.jdbc.SqlDialect;
import dev.lockkit.idempotency.DuplicatePolicy;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.OutcomeCodec;
import dev.lockkit.idempotency.jdbc.JdbcIdempotency;
import dev.lockkit.idempotency.jdbc.JdbcIdempotencyStore;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * lockkit's guard on a Redis lock backend and the {@link JdbcIdempotencyStore} on PostgreSQL, run through
 * {@link JdbcIdempotency}: the action's effect and the outcome commit in one transaction that first checks, with
 * the claim row locked, that the claim is still this lease's.
 */
final class FencedGuard implements GuardUnderTest {
  static final String SCOPE = "faults";
  private static final Duration RETENTION = Duration.ofMinutes(30);

  private final LockClient locks;
  private final JdbcIdempotency idempotency;
  private final Action action;

  FencedGuard(String redisUri, DataSource db, Duration lease, Duration maxWait, Action action) {
    // renewal every lease/3 and the command timeout that fits (lockkit's defaults for this lease time)
    this.locks = Locks.connect(redisUri, LockOptions.builder().leaseTime(lease).build());
    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder(db).dialect(SqlDialect.POSTGRESQL).build();
    IdempotencyGuard guard = IdempotencyGuard.builder(locks, store).retention(RETENTION)
        .duplicates(DuplicatePolicy.waitAtMost(maxWait)).build();
    this.idempotency = JdbcIdempotency.of(guard, store);
    this.action = action;
  }

  static String fingerprint(String key) {
    return "fp-" + key;
  }

  @Override
  public String request(String key) throws Exception {
    return idempotency.execute(IdempotencyKey.of(SCOPE, key), fingerprint(key), OutcomeCodec.utf8(),
        (claim, transaction) -> action.run(transaction, key, "token-" + claim.fencingToken()));
  }

  @Override
  public void close() {
    locks.close();
  }
}
