package dev.lockkit.spring.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.faults.TcpProxy;
import dev.lockkit.redis.testing.LogCapture;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.test.support.AbstractLockProviderIntegrationTest;
import net.javacrumbs.shedlock.test.support.FuzzTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ShedLock's own provider contract ({@code shedlock-test-support}'s {@link AbstractLockProviderIntegrationTest}:
 * lock, a second lock refused, two names apart, lock right after unlock, lockAtLeastFor kept after an early unlock,
 * its fuzz test of eight threads counting under two locks, shortened) on {@link LockkitLockProvider}, run by each backend's
 * subclass against a real server, with one change of meaning: ShedLock's {@code shouldTimeout} expects a live
 * holder to lose its lock after lockAtMostFor; lockkit renews it (as ShedLock's {@code KeepAliveLockProvider}
 * does), so here a live holder keeps it past lockAtMostFor, and a holder cut off from the server loses it within
 * its lease time ({@link #aHolderCutOffFromTheServerLosesTheLockWithinItsLeaseTime}).
 *
 * <p>The assertions on a lock's state ask the server through a probe client of their own: a lock is held if the
 * probe cannot take it.
 */
abstract class ShedLockContract extends AbstractLockProviderIntegrationTest {
  static final String NAMESPACE = "spring-shedlock";

  private LockClient client;
  private LockClient probe;
  private LockkitLockProvider provider;

  /** A new client on the backend's server. */
  abstract LockClient connect(LockOptions options);

  /** The server's port on the loopback address, for a proxy in front of it. */
  abstract int serverPort();

  /** A client through {@code port} (a proxy) whose holder is gone from the server within about a second of a cut. */
  abstract LockClient connectCutOffQuickly(int port, LockOptions options);

  @BeforeEach
  void connectClients() {
    client = connect(LockOptions.builder().namespace(NAMESPACE).build());
    probe = connect(LockOptions.builder().namespace(NAMESPACE).build());
    provider = new LockkitLockProvider(client);
  }

  @AfterEach
  void closeClients() {
    if (client != null) {
      client.close();
    }
    if (probe != null) {
      probe.close();
    }
  }

  @Override
  protected LockProvider getLockProvider() {
    return provider;
  }

  @Override
  protected void assertUnlocked(String lockName) {
    Optional<Lease> taken = probe.lock(lockName).tryAcquire();
    taken.ifPresent(Lease::close);
    assertThat(taken).as("lock '%s' is free", lockName).isPresent();
  }

  @Override
  protected void assertLocked(String lockName) {
    Optional<Lease> taken = probe.lock(lockName).tryAcquire();
    taken.ifPresent(Lease::close);
    assertThat(taken).as("lock '%s' is held", lockName).isEmpty();
  }

  /** Replaces ShedLock's: a live holder keeps its lock past lockAtMostFor, by renewal. */
  @Test
  @Override
  public void shouldTimeout() {
    Optional<SimpleLock> lock = provider.lock(lockConfig(LOCK_NAME1, Duration.ofMillis(300), Duration.ZERO));
    assertThat(lock).isPresent();
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertLocked(LOCK_NAME1));
    lock.get().unlock();
    assertUnlocked(LOCK_NAME1);
  }

  /**
   * ShedLock's fuzz test (eight threads through ShedLock's own executor, two locks, a counter under each that only
   * exclusion keeps exact) with 30 iterations a thread instead of its 100: its threads retry without pause, and
   * on two shared cores 800 rounds take half a minute on ZooKeeper.
   */
  @Test
  @Override
  public void fuzzTestShouldPass() throws ExecutionException, InterruptedException {
    new FuzzTester(provider, Duration.ofMillis(1), Duration.ofMinutes(5), 30).doFuzzTest();
  }

  @Test
  void aHolderCutOffFromTheServerLosesTheLockWithinItsLeaseTime() throws Exception {
    try (TcpProxy proxy = TcpProxy.start(serverPort())) {
      LockClient cutOff = connectCutOffQuickly(proxy.port(),
          LockOptions.builder().namespace(NAMESPACE).commandTimeout(Duration.ofMillis(300)).build());
      try {
        Optional<SimpleLock> lost =
            new LockkitLockProvider(cutOff).lock(lockConfig(LOCK_NAME1, Duration.ofSeconds(1), Duration.ZERO));
        assertThat(lost).isPresent();

        proxy.blackhole();
        long cut = System.nanoTime();
        assertLocked(LOCK_NAME1);
        AtomicReference<SimpleLock> next = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10))
            .until(() -> provider.lock(lockConfig(LOCK_NAME1)).map(l -> {
              next.set(l);
              return true;
            }).orElse(false));
        long freedAfterMillis = (System.nanoTime() - cut) / 1_000_000;
        assertThat(freedAfterMillis).as("freed within the lease time and some slack").isLessThan(6_000);

        try (LogCapture logs = LogCapture.start()) {
          lost.get().unlock(); // never throws: the loss is logged
          assertThat(logs.lines(" WARN ", "ShedLock lock '" + LOCK_NAME1 + "'")).hasSize(1);
        }
        next.get().unlock();
        assertUnlocked(LOCK_NAME1);
      } finally {
        cutOff.close();
      }
    }
  }

  @Test
  void theHoldingThreadCannotTakeItsLockAgainWhateverTheConfiguration() {
    SimpleLock lock = provider.lock(lockConfig(LOCK_NAME1)).orElseThrow();
    assertThat(provider.lock(lockConfig(LOCK_NAME1, Duration.ofSeconds(30), Duration.ofSeconds(1))))
        .as("not re-entrant").isEmpty();
    lock.unlock();
    assertUnlocked(LOCK_NAME1);
  }

  @Test
  void unlockingTwiceIsRefused() {
    SimpleLock lock = provider.lock(lockConfig(LOCK_NAME1)).orElseThrow();
    lock.unlock();
    assertThatIllegalStateException().isThrownBy(lock::unlock).withMessageContaining("already unlocked");
  }

  @Test
  void configurationsLockkitCannotKeepAreRefusedNamingWhatIsWrong() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> provider.lock(lockConfig(LOCK_NAME1, Duration.ofDays(8), Duration.ZERO)))
        .withMessageContaining("lockAtMostFor").withMessageContaining(LOCK_NAME1);
    assertThatIllegalArgumentException().isThrownBy(() -> provider.lock(lockConfig("nightly report")))
        .withMessageContaining("'nightly report'");
  }

  @Test
  void aLockAtMostForShorterThanTheShortestLeaseIsRaisedToIt() {
    SimpleLock lock = provider.lock(lockConfig(LOCK_NAME1, Duration.ofMillis(1), Duration.ZERO)).orElseThrow();
    assertLocked(LOCK_NAME1);
    lock.unlock();
    assertUnlocked(LOCK_NAME1);
  }
}
