package dev.lockkit.idempotency.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.idempotency.IdempotencyGuard;
import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the parts of {@link IdempotencyGuardContract} share: the lock clients and store a backend supplies,
 * clients closed and threads stopped after each test, and keys unique to each test.
 */
public abstract class GuardContractBase {
  /** Bound on anything that should happen promptly, with room for a loaded 2-core machine. */
  protected static final Duration PROMPTLY = Duration.ofSeconds(20);

  /** The store under test, from {@link #store()}. */
  protected IdempotencyStore store;
  private final List<LockClient> clients = new ArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final String scope = "guard-" + UUID.randomUUID().toString().substring(0, 8);
  private int keys;

  /**
   * Connects a new lock client. Every client of one test must reach the same lock server, so that they contend
   * as separate processes would.
   *
   * @param options the client's options
   * @return the client; the suite closes it
   */
  protected abstract LockClient connect(LockOptions options);

  /**
   * The store under test: a new one, or one shared by the tests of a class (each test uses keys of its own).
   *
   * @return the store
   */
  protected abstract IdempotencyStore store();

  @BeforeEach
  void takeStore() {
    store = store();
  }

  @AfterEach
  void closeAll() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("test threads ended").isTrue();
    for (LockClient client : clients) {
      client.close();
    }
  }

  /** A client with lockkit's default options, closed after the test. */
  protected LockClient client() {
    return client(LockOptions.defaults());
  }

  /** A client with the given options, closed after the test. */
  protected LockClient client(LockOptions options) {
    LockClient client = connect(options);
    clients.add(client);
    return client;
  }

  /** A builder of a guard on a new client and the store. */
  protected IdempotencyGuard.Builder guard() {
    return IdempotencyGuard.builder(client(), store);
  }

  /** A key unique to this test. */
  protected IdempotencyKey key() {
    return IdempotencyKey.of(scope, "key-" + ++keys);
  }

  /** Runs {@code call} on a thread of the test. */
  protected <T> Future<T> async(Callable<T> call) {
    return pool.submit(call);
  }

  /** The result of {@code future}, waiting promptly at most. */
  protected static <T> T get(Future<T> future) throws Exception {
    return future.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
  }
}
