package dev.lockkit.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.contract.History;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What Spring Integration's own registry tests ask of {@code RedisLockRegistry} and {@code ZookeeperLockRegistry}
 * (one instance per key, re-entrancy, {@code tryLock} with and without time, {@code lockInterruptibly}, unlock by a
 * non-owner refused, {@code expireUnusedOlderThan}, {@code executeLocked}, two registries excluding each other),
 * plus what lockkit adds (the ttl renewed while held, a lost lock seen by its holder), run by each backend's
 * subclass against a real server. Two registries are always on two clients, as two processes would be.
 */
abstract class LockRegistryContract {
  /** The namespace every client of these tests uses. */
  static final String NAMESPACE = "spring-registry";

  private final List<LockClient> clients = new ArrayList<>();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  /** A lock key of this test alone. */
  final String key = "registry-" + UUID.randomUUID();

  /** A new client on the backend's server, in {@link #NAMESPACE}. */
  abstract LockClient connect(LockOptions options);

  /** Deletes what holds lock {@code name} on the server (its key, its nodes), as an operator or a bug might. */
  abstract void deleteOnServer(String name) throws Exception;

  @AfterEach
  void closeEverything() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).as("test threads ended").isTrue();
    clients.forEach(LockClient::close);
  }

  LockClient client() {
    LockClient client = connect(LockOptions.builder().namespace(NAMESPACE).build());
    clients.add(client);
    return client;
  }

  /** A registry on a client of its own. */
  LockkitLockRegistry registry() {
    return new LockkitLockRegistry(client());
  }

  @Test
  void obtainGivesOneInstancePerKeyAndRegistry() {
    LockkitLockRegistry registry = registry();
    LockkitRegistryLock lock = registry.obtain(key);

    assertThat(registry.obtain(key)).isSameAs(lock);
    assertThat(lock.key()).isEqualTo(key);
    assertThat(registry.obtain(key + "-other")).isNotSameAs(lock);
    assertThat(registry().obtain(key)).isNotEqualTo(lock);
    assertThatThrownBy(lock::newCondition).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void reentrantLockIsReleasedByTheOutermostUnlock() throws InterruptedException {
    LockkitRegistryLock lock = registry().obtain(key);
    Lock elsewhere = registry().obtain(key);

    lock.lock();
    lock.lockInterruptibly();
    assertThat(lock.tryLock()).isTrue();
    assertThat(lock.getHoldCount()).isEqualTo(3);
    long token = lock.lease().orElseThrow().fencingToken();
    lock.unlock();
    lock.unlock();
    assertThat(elsewhere.tryLock()).as("held until the outermost unlock").isFalse();
    lock.unlock();

    assertThat(lock.getHoldCount()).isZero();
    assertThat(elsewhere.tryLock()).as("free after the outermost unlock").isTrue();
    assertThat(((LockkitRegistryLock) elsewhere).lease().orElseThrow().fencingToken()).isGreaterThan(token);
    elsewhere.unlock();
  }

  @Test
  void registriesOnTwoClientsExcludeEachOther() throws Exception {
    List<LockkitLockRegistry> registries = List.of(registry(), registry());
    int threadsPerRegistry = 3;
    int iterations = 15;
    History history = new History();
    AtomicInteger counter = new AtomicInteger();
    List<Future<?>> workers = new ArrayList<>();
    for (LockkitLockRegistry registry : registries) {
      for (int t = 0; t < threadsPerRegistry; t++) {
        String holder = registry + "#" + t;
        workers.add(executor.submit(() -> {
          LockkitRegistryLock lock = registry.obtain(key);
          for (int i = 0; i < iterations; i++) {
            assertThat(lock.tryLock(20, TimeUnit.SECONDS)).as("acquired within 20 s").isTrue();
            try {
              long start = System.nanoTime();
              long token = lock.lease().orElseThrow().fencingToken();
              int seen = counter.get(); // a read-modify-write that only exclusion keeps whole
              Thread.yield();
              counter.set(seen + 1);
              history.record(holder, token, start, System.nanoTime());
            } finally {
              lock.unlock();
            }
          }
          return null;
        }));
      }
    }
    for (Future<?> worker : workers) {
      worker.get(60, TimeUnit.SECONDS);
    }

    int total = registries.size() * threadsPerRegistry * iterations;
    assertThat(history.size()).isEqualTo(total);
    assertThat(history.overlaps()).isEmpty();
    assertThat(history.tokenRegressions()).isEmpty();
    assertThat(counter.get()).isEqualTo(total);
  }

  @Test
  void tryLockGivesUpWhileTheLockIsHeldElsewhere() throws Exception {
    Lock holder = registry().obtain(key);
    LockkitLockRegistry other = registry();
    holder.lock();
    try {
      Lock waiting = other.obtain(key);
      assertThat(waiting.tryLock()).isFalse();

      long start = System.nanoTime();
      assertThat(waiting.tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
      long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(waitedMillis).as("waited about the 300 ms asked").isBetween(250L, 10_000L);

      assertThatThrownBy(waiting::unlock).as("a lock never taken cannot be unlocked")
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(key);
    } finally {
      holder.unlock();
    }
  }

  @Test
  void aWaiterGetsTheLockOnceItsHolderUnlocks() throws Exception {
    Lock holder = registry().obtain(key);
    LockkitLockRegistry other = registry();
    holder.lock();
    AtomicLong acquiredAt = new AtomicLong();
    Future<Boolean> waiter = executor.submit(() -> {
      Lock lock = other.obtain(key);
      boolean acquired = lock.tryLock(20, TimeUnit.SECONDS);
      acquiredAt.set(System.nanoTime());
      if (acquired) {
        lock.unlock();
      }
      return acquired;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() > 0);
    long unlockedAt = System.nanoTime();
    holder.unlock();

    assertThat(waiter.get(20, TimeUnit.SECONDS)).isTrue();
    assertThat(acquiredAt.get() - unlockedAt).as("acquired only after the holder's unlock began").isPositive();
  }

  @Test
  void unlockByAThreadThatDoesNotHoldTheLockIsRefused() throws Exception {
    Lock lock = registry().obtain(key);
    Lock elsewhere = registry().obtain(key);
    assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class).hasMessageContaining(key);

    lock.lock();
    Future<Throwable> stranger = executor.submit(() -> catchThrowable(lock::unlock));
    assertThat(stranger.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not hold lock '" + key + "'");

    assertThat(elsewhere.tryLock()).as("the holder still holds it").isFalse();
    lock.unlock();
    assertThat(elsewhere.tryLock()).isTrue();
    elsewhere.unlock();
  }

  @Test
  void lockInterruptiblyEndsOnInterruptAndLeavesNothingBehind() throws Exception {
    Lock holder = registry().obtain(key);
    LockkitLockRegistry other = registry();
    holder.lock();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        other.obtain(key).lockInterruptibly();
        outcome.set(new AssertionError("acquired although interrupted"));
      } catch (Throwable t) {
        outcome.set(t);
      }
    }, "registry-interruptible-waiter");
    waiter.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() > 0);
    waiter.interrupt();
    waiter.join(10_000);

    assertThat(waiter.isAlive()).isFalse();
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
    assertThat(other.obtain(key).getHoldCount()).isZero();
    holder.unlock();
    Lock third = registry().obtain(key);
    assertThat(third.tryLock(5, TimeUnit.SECONDS)).as("no waiter's trace left on the server").isTrue();
    third.unlock();
  }

  @Test
  void lockWaitsThroughAnInterruptAndKeepsIt() throws Exception {
    Lock holder = registry().obtain(key);
    LockkitLockRegistry other = registry();
    holder.lock();
    AtomicBoolean interruptKept = new AtomicBoolean();
    AtomicLong acquiredAt = new AtomicLong();
    Thread waiter = new Thread(() -> {
      Lock lock = other.obtain(key);
      lock.lock();
      acquiredAt.set(System.nanoTime());
      interruptKept.set(Thread.interrupted());
      lock.unlock();
    }, "registry-waiter");
    waiter.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() > 0);
    waiter.interrupt();
    await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() > 0); // waiting again
    long unlockedAt = System.nanoTime();
    holder.unlock();
    waiter.join(20_000);

    assertThat(waiter.isAlive()).isFalse();
    assertThat(acquiredAt.get() - unlockedAt).as("lock() returned only with the lock").isPositive();
    assertThat(interruptKept).isTrue();
  }

  @Test
  void expireUnusedOlderThanDropsOnlyLocksNotInUse() throws Exception {
    LockkitLockRegistry registry = registry();
    LockkitRegistryLock held = registry.obtain(key + "/held");
    held.lock();
    LockkitRegistryLock idle = registry.obtain(key + "/idle");

    registry.expireUnusedOlderThan(60_000);
    assertThat(registry.obtain(key + "/idle")).as("used within the age: kept").isSameAs(idle);

    // a lock a thread waits for is in use too
    Lock holderElsewhere = registry().obtain(key + "/awaited");
    holderElsewhere.lock();
    Future<Boolean> waiter = executor.submit(() -> {
      Lock lock = registry.obtain(key + "/awaited");
      boolean acquired = lock.tryLock(20, TimeUnit.SECONDS);
      if (acquired) {
        lock.unlock();
      }
      return acquired;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() > 0);
    LockkitRegistryLock awaited = registry.obtain(key + "/awaited");

    registry.expireUnusedOlderThan(-1);
    assertThat(registry.size()).isEqualTo(2);
    assertThat(registry.obtain(key + "/held")).isSameAs(held);
    assertThat(registry.obtain(key + "/awaited")).isSameAs(awaited);
    assertThat(registry.obtain(key + "/idle")).as("unused: dropped").isNotSameAs(idle);

    holderElsewhere.unlock();
    assertThat(waiter.get(20, TimeUnit.SECONDS)).isTrue();
    held.unlock();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      registry.expireUnusedOlderThan(100);
      return registry.size() == 0;
    });
    assertThat(registry.obtain(key + "/held")).isNotSameAs(held);
  }

  @Test
  void executeLockedRunsTheTaskUnderTheLock() throws Exception {
    LockkitLockRegistry registry = registry();
    Lock elsewhere = registry().obtain(key);

    AtomicBoolean excluded = new AtomicBoolean();
    registry.executeLocked(key, () -> excluded.set(!elsewhere.tryLock()));
    assertThat(excluded).as("held while the task ran").isTrue();
    assertThat(registry.executeLocked(key, Duration.ofSeconds(5), () -> "done")).isEqualTo("done");

    assertThat(elsewhere.tryLock()).as("released after the task").isTrue();
    try {
      assertThatThrownBy(() -> registry.executeLocked(key, Duration.ofMillis(200), () -> "never"))
          .isInstanceOf(TimeoutException.class).hasMessageContaining(key);
    } finally {
      elsewhere.unlock();
    }
  }

  @Test
  void aLostLockIsSeenByItsHolder() throws Exception {
    LockkitLockRegistry registry =
        new LockkitLockRegistry(client(), LockSettings.builder().leaseTime(Duration.ofSeconds(1)).build());
    LockkitRegistryLock lock = registry.obtain(key);
    lock.lock();
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    long token = lock.lease().orElseThrow().fencingToken();

    deleteOnServer(key);
    await().atMost(Duration.ofSeconds(10)).pollInSameThread().until(() -> !lock.isHeldByCurrentThread());

    LockkitRegistryLock next = registry().obtain(key);
    assertThat(next.tryLock(5, TimeUnit.SECONDS)).isTrue();
    assertThat(next.lease().orElseThrow().fencingToken()).isGreaterThan(token);
    assertThatThrownBy(lock::unlock).isInstanceOf(LockLostException.class);
    assertThat(lock.getHoldCount()).as("the hold ended all the same").isZero();
    next.unlock();
  }

  @Test
  void aTtlIsALeaseTimeRenewedWhileTheLockIsHeld() throws Exception {
    LockkitRegistryLock lock = registry().obtain(key);
    Lock elsewhere = registry().obtain(key);

    lock.lock(Duration.ofMillis(300));
    await().pollInSameThread().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> !elsewhere.tryLock());
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    lock.unlock(); // not lost: no exception

    assertThat(lock.tryLock(Duration.ofSeconds(1), Duration.ofMillis(300))).isTrue();
    assertThat(elsewhere.tryLock()).isFalse();
    lock.unlock();
    assertThatIllegalArgumentException().isThrownBy(() -> lock.lock(Duration.ofMillis(10)))
        .withMessageContaining("ttl").withMessageContaining(key);
  }

  @Test
  void renewLockChecksThatTheCallerHoldsAValidLease() throws Exception {
    LockkitLockRegistry registry = registry();
    Lock lock = registry.obtain(key);
    assertThatThrownBy(() -> registry.renewLock(key)).isInstanceOf(IllegalStateException.class);

    lock.lock();
    try {
      registry.renewLock(key);
      registry.renewLock(key, Duration.ofSeconds(5));
      Future<Throwable> stranger = executor.submit(() -> catchThrowable(() -> registry.renewLock(key)));
      assertThat(stranger.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    } finally {
      lock.unlock();
    }

    LockkitLockRegistry unrenewed = new LockkitLockRegistry(client(), LockSettings.builder().withoutRenewal().build());
    Lock fixed = unrenewed.obtain(key);
    fixed.lock();
    try {
      assertThatThrownBy(() -> unrenewed.renewLock(key)).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("renewal is off");
    } finally {
      fixed.unlock();
    }
  }

  @Test
  void obtainRefusesKeysThatAreNotLockNames() {
    LockkitLockRegistry registry = registry();
    assertThatIllegalArgumentException().isThrownBy(() -> registry.obtain(42))
        .withMessageContaining("must be a String").withMessageContaining("java.lang.Integer");
    assertThatIllegalArgumentException().isThrownBy(() -> registry.obtain("two words"))
        .withMessageContaining("'two words'");
    assertThatIllegalArgumentException().isThrownBy(() -> registry.obtain(""));
    assertThatIllegalArgumentException().isThrownBy(() -> registry.obtain("x".repeat(201)))
        .withMessageContaining("201 characters");
    assertThat(registry.size()).isZero();
  }

  @Test
  void unlockWithTheInterruptFlagSetStillReleases() throws Exception {
    Lock lock = registry().obtain(key);
    Lock elsewhere = registry().obtain(key);
    lock.lock();
    Thread.currentThread().interrupt();
    boolean interrupted;
    try {
      lock.unlock();
    } finally {
      interrupted = Thread.interrupted();
    }
    assertThat(interrupted).as("the flag is the caller's").isTrue();
    assertThat(elsewhere.tryLock()).as("released on the server").isTrue();
    elsewhere.unlock();
  }

  /** How many threads wait (blocked) inside an acquisition of a registry lock. */
  static long waitingThreads() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getState() == Thread.State.WAITING
            || e.getKey().getState() == Thread.State.TIMED_WAITING)
        .filter(e -> java.util.Arrays.stream(e.getValue())
            .anyMatch(f -> f.getClassName().equals(LockkitRegistryLock.class.getName())))
        .count();
  }
}
