package dev.lockkit.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.fencing.jdbc.SqlDialect;
import dev.lockkit.idempotency.Claim;
import dev.lockkit.idempotency.ClaimLostException;
import dev.lockkit.idempotency.DuplicatePolicy;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.OutcomeCodec;
import dev.lockkit.idempotency.memory.MemoryIdempotencyStore;
import dev.lockkit.idempotency.spi.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link JdbcIdempotency}: the action's writes and the outcome commit together, so a request that pauses past its
 * lease inside its transaction has its effect exactly once, where the plain guard runs the action twice. On H2 and
 * PostgreSQL; the effect is a row in a table without a unique key, so a second run would show.
 */
class JdbcIdempotencyTest {
  private static final Duration SHORT_LEASE = Duration.ofMillis(400);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static Database h2;
  private static Database postgres;

  @BeforeAll
  static void open() throws SQLException {
    h2 = Database.h2("jdbc_idempotency");
    postgres = Database.postgres();
    for (Database db : databases().toList()) {
      db.execute("CREATE TABLE effects (request VARCHAR(400) NOT NULL, runner VARCHAR(20) NOT NULL, token BIGINT)");
    }
  }

  @AfterAll
  static void close() {
    h2.close();
    postgres.close();
  }

  static Stream<Database> databases() {
    return Stream.of(h2, postgres);
  }

  private static IdempotencyKey freshKey() {
    return IdempotencyKey.of("tests", UUID.randomUUID().toString());
  }

  private static void effect(Connection c, IdempotencyKey key, String runner, long token) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO effects (request, runner, token) VALUES (?, ?, ?)")) {
      ps.setString(1, key.storeKey());
      ps.setString(2, runner);
      ps.setLong(3, token);
      ps.executeUpdate();
    }
  }

  private static int effects(Database db, IdempotencyKey key) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM effects WHERE request = ?")) {
      ps.setString(1, key.storeKey());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Whether some session waits for a row lock that another holds. */
  private static boolean aSessionWaitsForALock(Database db) throws SQLException {
    String sql = db.dialect() == SqlDialect.POSTGRESQL
        ? "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        : "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL";
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }

  /** Two clients of one memory lock server: the first with a short lease and no renewal, to be paused past it. */
  private record Clients(LockClient paused, LockClient next) implements AutoCloseable {
    static Clients open() {
      String server = "memory:jdbc-idempotency-" + UUID.randomUUID().toString().substring(0, 8);
      return new Clients(Locks.connect(server, LockOptions.builder().leaseTime(SHORT_LEASE).withoutRenewal().build()),
          Locks.connect(server));
    }

    @Override
    public void close() {
      paused.close();
      next.close();
    }
  }

  @ParameterizedTest(autoCloseArguments = false)   // the databases live for the class
  @MethodSource("databases")
  void aRequestPausedPastItsLeaseInsideItsTransactionHasItsEffectOnceAndTheDuplicateReplaysIt(Database db)
      throws Exception {
    JdbcIdempotencyStore store = db.store();
    IdempotencyKey key = freshKey();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicReference<Claim> first = new AtomicReference<>();
    try (Clients clients = Clients.open()) {
      JdbcIdempotency a = JdbcIdempotency.of(IdempotencyGuard.builder(clients.paused(), store).build(), store);
      JdbcIdempotency b = JdbcIdempotency.of(IdempotencyGuard.builder(clients.next(), store)
          .duplicates(DuplicatePolicy.waitAtMost(WAIT)).build(), store);
      CompletableFuture<String> paused = CompletableFuture.supplyAsync(() -> call(() ->
          a.execute(key, "fp", OutcomeCodec.utf8(), (claim, tx) -> {
            effect(tx, key, "first", claim.fencingToken());
            first.set(claim);
            inside.countDown();
            assertThat(resume.await(60, TimeUnit.SECONDS)).isTrue();   // the "pause", with its writes uncommitted
            return "first";
          })));
      assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
      await().atMost(WAIT).until(() -> !first.get().isValid());            // the lease ran out meanwhile
      AtomicBoolean secondRan = new AtomicBoolean();
      CompletableFuture<String> duplicate = CompletableFuture.supplyAsync(() -> call(() ->
          b.execute(key, "fp", OutcomeCodec.utf8(), (claim, tx) -> {
            secondRan.set(true);
            effect(tx, key, "second", claim.fencingToken());
            return "second";
          })));
      await().atMost(WAIT).until(() -> aSessionWaitsForALock(db));         // the takeover waits for the row
      resume.countDown();

      assertThat(paused.get(60, TimeUnit.SECONDS)).isEqualTo("first");
      assertThat(duplicate.get(60, TimeUnit.SECONDS)).isEqualTo("first");
      assertThat(secondRan).isFalse();
      assertThat(effects(db, key)).isEqualTo(1);
      assertThat(store.find(key.storeKey()).orElseThrow().outcome()).contains(Outcome.success(
          "first".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  /** What the transaction prevents: the plain guard, same pause, with the effect committed before the outcome. */
  @ParameterizedTest(autoCloseArguments = false)   // the databases live for the class
  @MethodSource("databases")
  void thePlainGuardRunsTheActionTwiceWhenItsFirstRequestPausesAfterItsWrite(Database db) throws Exception {
    JdbcIdempotencyStore store = db.store();
    IdempotencyKey key = freshKey();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicReference<Claim> first = new AtomicReference<>();
    try (Clients clients = Clients.open()) {
      IdempotencyGuard a = IdempotencyGuard.builder(clients.paused(), store).build();
      IdempotencyGuard b = IdempotencyGuard.builder(clients.next(), store).build();
      CompletableFuture<String> paused = CompletableFuture.supplyAsync(() -> call(() ->
          a.execute(key, "fp", OutcomeCodec.utf8(), claim -> {
            try (Connection c = db.dataSource().getConnection()) {
              effect(c, key, "first", claim.fencingToken());
            }
            first.set(claim);
            inside.countDown();
            assertThat(resume.await(60, TimeUnit.SECONDS)).isTrue();
            return "first";
          })));
      assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
      await().atMost(WAIT).until(() -> !first.get().isValid());
      String second = b.execute(key, "fp", OutcomeCodec.utf8(), claim -> {
        try (Connection c = db.dataSource().getConnection()) {
          effect(c, key, "second", claim.fencingToken());
        }
        return "second";
      });
      resume.countDown();

      assertThat(second).isEqualTo("second");
      assertThatThrownBy(() -> paused.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ClaimLostException.class);
      assertThat(effects(db, key)).as("the fence refused the late outcome, not the late write").isEqualTo(2);
    }
  }

  @ParameterizedTest(autoCloseArguments = false)   // the databases live for the class
  @MethodSource("databases")
  void aFailedActionLeavesNoWriteAndItsRetryRunsOnce(Database db) throws Exception {
    JdbcIdempotencyStore store = db.store();
    IdempotencyKey key = freshKey();
    try (LockClient locks = Locks.connect("memory:jdbc-idempotency-failure")) {
      JdbcIdempotency payments = JdbcIdempotency.of(IdempotencyGuard.builder(locks, store).build(), store);
      assertThatThrownBy(() -> payments.execute(key, "fp", OutcomeCodec.utf8(), (claim, tx) -> {
        effect(tx, key, "failed", claim.fencingToken());
        throw new SQLException("the action's own failure", "22000");
      })).isInstanceOf(dev.lockkit.idempotency.IdempotentActionException.class)
          .hasCauseInstanceOf(SQLException.class).hasRootCauseMessage("the action's own failure");
      assertThat(effects(db, key)).isZero();
      assertThat(store.find(key.storeKey())).isEmpty();

      assertThat(payments.execute(key, "fp", OutcomeCodec.utf8(), (claim, tx) -> {
        effect(tx, key, "retry", claim.fencingToken());
        return "done";
      })).isEqualTo("done");
      assertThat(payments.execute(key, "fp", OutcomeCodec.utf8(), (claim, tx) -> "not run")).isEqualTo("done");
      assertThat(effects(db, key)).isEqualTo(1);
    }
  }

  @ParameterizedTest(autoCloseArguments = false)   // the databases live for the class
  @MethodSource("databases")
  void aClaimTakenOverBeforeItsTransactionWritesNothing(Database db) {
    JdbcIdempotencyStore store = db.store();
    String key = freshKey().storeKey();
    store.claim(key, "fp", 7, WAIT);
    store.claim(key, "fp", 8, WAIT);   // the takeover, before the first one's transaction began
    AtomicBoolean ran = new AtomicBoolean();
    assertThatThrownBy(() -> store.completeWithin(key, 7, WAIT, tx -> {
      ran.set(true);
      return new JdbcIdempotencyStore.Done<>("late", Outcome.success(new byte[] {1}));
    }, () -> new IllegalStateException("lost"))).hasMessage("lost");
    assertThat(ran).isFalse();
    assertThat(store.find(key).orElseThrow().fence()).isEqualTo(8);
  }

  @Test
  void aGuardOnAnotherStoreIsRefusedNamingIt() {
    try (LockClient locks = Locks.connect("memory:jdbc-idempotency-refused")) {
      IdempotencyGuard onMemory = IdempotencyGuard.builder(locks, new MemoryIdempotencyStore()).build();
      assertThatThrownBy(() -> JdbcIdempotency.of(onMemory, h2.store()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("guard must be built on this store");
      assertThatThrownBy(() -> JdbcIdempotency.of(null, h2.store()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("guard");
    }
  }

  private interface Call<T> {
    T run() throws Exception;
  }

  private static <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
