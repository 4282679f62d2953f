package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client core's cohorting against a scripted server that counts round trips: hand-offs that skip the
 * server, the bound that sends the lock back, tokens, and losses told to the holder of the moment.
 */
@Timeout(60)
class CohortTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ScriptedBackend server = new ScriptedBackend();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<CoreLockClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    clients.forEach(CoreLockClient::close);
  }

  private CoreLockClient client(LockOptions options) {
    CoreLockClient client = CoreLockClient.open(options, context -> server);
    clients.add(client);
    return client;
  }

  /** Threads queued in the lock's cohort; none when the client keeps no state for the name. */
  private static int queued(DistributedLock lock) {
    CoreLock state = ((LockHandle) lock).state();
    return state == null ? 0 : java.util.Objects.requireNonNull(state.cohort()).queued();
  }

  /** Starts {@code n} threads that each take the lock once, record their token, and release it. */
  private List<Future<?>> queueTakers(DistributedLock lock, int n, ConcurrentLinkedQueue<Long> tokens) {
    List<Future<?>> takers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      takers.add(threads.submit(() -> {
        try (Lease lease = lock.acquire(WAIT)) {
          tokens.add(lease.fencingToken());
        }
        return null;
      }));
    }
    await().atMost(WAIT).until(() -> queued(lock) == n);
    return takers;
  }

  @Test
  void releasesPassTheLockToLocalWaitersWithoutTheServerUpToTheBound() throws Exception {
    DistributedLock lock = client(LockOptions.builder().maxLocalHandoffs(3).build()).lock("orders/1");
    ConcurrentLinkedQueue<Long> tokens = new ConcurrentLinkedQueue<>();
    Lease first = lock.acquire(WAIT);
    tokens.add(first.fencingToken());
    List<Future<?>> takers = queueTakers(lock, 8, tokens);
    first.close();
    for (Future<?> taker : takers) {
      taker.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    // 9 holders in chains of 1 + 3 hand-offs: 4 + 4 + 1, so three acquisitions and releases on the server
    assertThat(server.acquires).hasValue(3);
    assertThat(server.releases).hasValue(3);
    assertThat(server.confirmations).as("one confirmation per hand-off").hasValue(6);
    assertThat(tokens).containsExactly(1024L, 1025L, 1026L, 1027L, 2048L, 2049L, 2050L, 2051L, 3072L);
    assertThat(server.isHeld()).isFalse();
  }

  @Test
  void withoutCohortingEveryThreadGoesToTheServer() throws Exception {
    DistributedLock lock = client(LockOptions.builder().withoutCohorting().build()).lock("orders/1");
    Lease first = lock.acquire(WAIT);
    List<Future<?>> takers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      takers.add(threads.submit(() -> {
        lock.acquire(WAIT).close();
        return null;
      }));
    }
    await().atMost(WAIT).until(() -> server.waiting() == 4);
    first.close();
    for (Future<?> taker : takers) {
      taker.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    assertThat(server.acquires).hasValue(5);
    assertThat(server.releases).hasValue(5);
  }

  @Test
  void onlyTheHeadOfTheLocalQueueWaitsOnTheServer() throws Exception {
    DistributedLock lock = client(LockOptions.defaults()).lock("orders/1");
    server.nextToken(7);
    CoreLockClient other = client(LockOptions.defaults());
    Lease elsewhere = other.lock("orders/1").acquire(WAIT);
    ConcurrentLinkedQueue<Long> tokens = new ConcurrentLinkedQueue<>();
    List<Future<?>> takers = queueTakers(lock, 5, tokens);
    assertThat(server.waiting()).isEqualTo(1);
    assertThat(lock.tryAcquire()).as("a try while local threads wait").isEmpty();
    assertThat(server.acquires).as("the try did not ask the server").hasValue(2);
    elsewhere.close();
    for (Future<?> taker : takers) {
      taker.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    assertThat(server.acquires).hasValue(2);
    assertThat(tokens).containsExactly(8L << 10, (8L << 10) + 1, (8L << 10) + 2, (8L << 10) + 3, (8L << 10) + 4);
  }

  @Test
  void theLastWaiterGivingUpStopsTheAcquisitionOnTheServer() throws Exception {
    CoreLockClient other = client(LockOptions.defaults());
    Lease elsewhere = other.lock("orders/1").acquire(WAIT);
    DistributedLock lock = client(LockOptions.defaults()).lock("orders/1");
    Future<?> patient = threads.submit(() -> {
      lock.acquire(WAIT).close();
      return null;
    });
    await().atMost(WAIT).until(() -> server.waiting() == 1);
    assertThatThrownBy(() -> lock.acquire(Duration.ofMillis(200)))
        .isInstanceOf(dev.lockkit.LockTimeoutException.class);
    assertThat(server.waiting()).as("the patient waiter still waits on the server").isEqualTo(1);
    patient.cancel(true);
    await().atMost(WAIT).until(() -> server.waiting() == 0 && queued(lock) == 0);
    elsewhere.close();
    assertThat(server.isHeld()).isFalse();
  }

  @Test
  void aLossIsToldToTheLocalHolderOfTheMomentAndTheQueueAcquiresAnew() throws Exception {
    DistributedLock lock = client(LockOptions.builder().leaseTime(Duration.ofSeconds(30)).build()).lock("orders/1");
    Lease first = lock.acquire(WAIT);
    CompletableFuture<Lease> second = lock.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queued(lock) == 1);
    first.close();
    Lease holder = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(holder.fencingToken()).isEqualTo(first.fencingToken() + 1);
    AtomicReference<LockLostException> told = new AtomicReference<>();
    holder.onLost(told::set);
    CompletableFuture<Lease> third = lock.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queued(lock) == 1);

    // the server loses the lock (as a failover without the key would); the next renewal finds out
    Hold hold = currentHold(holder);
    server.expire();
    hold.lost("the test's server forgot it", null);

    await().atMost(WAIT).until(() -> told.get() != null);
    assertThat(holder.isValid()).isFalse();
    assertThat(told.get()).hasMessageContaining("fencing token " + holder.fencingToken());
    Lease next = third.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next.fencingToken()).isGreaterThan(holder.fencingToken());
    assertThatThrownBy(holder::close).isSameAs(told.get());
    next.close();
    assertThat(server.isHeld()).isFalse();
  }

  private static Hold currentHold(Lease lease) throws ReflectiveOperationException {
    java.lang.reflect.Field view = LeaseView.class.getDeclaredField("hold");
    view.setAccessible(true);
    return ((Tenure) view.get(lease)).hold();
  }

  @Test
  void aHandOffTheServerDoesNotConfirmIsALossAndTheNextThreadGetsALargerTokenThanTheOtherProcess()
      throws Exception {
    DistributedLock lock = client(LockOptions.defaults()).lock("orders/1");
    Lease first = lock.acquire(WAIT);
    CompletableFuture<Lease> second = lock.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queued(lock) == 1);
    server.expire(); // the server forgot the lock without the client hearing of it (restart without data)
    Lease elsewhere = client(LockOptions.defaults()).lock("orders/1").acquire(WAIT);
    assertThatThrownBy(first::close).isInstanceOf(LockLostException.class)
        .hasMessageContaining("before passing it to another thread");
    assertThat(second).isNotDone();
    elsewhere.close();
    Lease next = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(next.fencingToken()).isGreaterThan(elsewhere.fencingToken());
    next.close();
  }

  @Test
  void withRenewalOffAHandOffRenewsSoTheNextHolderGetsAFullLease() throws Exception {
    Duration lease = Duration.ofMillis(600);
    DistributedLock lock = client(LockOptions.builder().leaseTime(lease).withoutRenewal().build()).lock("orders/1");
    Lease first = lock.acquire(WAIT);
    CompletableFuture<Lease> second = lock.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queued(lock) == 1);
    long handedAt = System.nanoTime();
    first.close();
    Lease holder = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(server.confirmations).hasValue(1);
    assertThat(server.renewals).hasValue(0);
    assertThat(server.acquires).hasValue(1);
    // still valid past the first holder's deadline would be only if the hand-off extended it
    await().atMost(WAIT).until(() -> !holder.isValid());
    assertThat(Duration.ofNanos(System.nanoTime() - handedAt)).isGreaterThanOrEqualTo(lease.multipliedBy(99).dividedBy(100));
    assertThatThrownBy(holder::close).isInstanceOf(LockLostException.class);
  }

  @Test
  void renewalGoesOnAcrossHandOffs() throws Exception {
    DistributedLock lock = client(LockOptions.builder().leaseTime(Duration.ofMillis(900))
        .renewInterval(Duration.ofMillis(100)).build()).lock("orders/1");
    Lease first = lock.acquire(WAIT);
    CompletableFuture<Lease> second = lock.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queued(lock) == 1);
    first.close();
    Lease holder = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> server.renewals.get() >= 15); // 1.5 s: well past the first lease
    assertThat(holder.isValid()).isTrue();
    holder.close();
    assertThat(server.acquires).hasValue(1);
  }

  @Test
  void aServerTokenTooLargeToShiftIsRefusedAndReleased() {
    DistributedLock lock = client(LockOptions.defaults()).lock("orders/1");
    server.nextToken(Tokens.MAX_SERVER_TOKEN + 1);
    assertThatThrownBy(() -> lock.acquire(WAIT))
        .isInstanceOf(LockBackendException.class)
        .hasMessageContaining("fencing token " + (Tokens.MAX_SERVER_TOKEN + 1))
        .hasMessageContaining("released");
    assertThat(server.isHeld()).isFalse();
  }

  @Test
  void acquisitionsInALoopLeaveTheTimerAlone() throws Exception {
    CoreLockClient client = client(LockOptions.defaults());
    DistributedLock lock = client.lock("orders/1");
    lock.acquire(WAIT).close();
    long before = client.timerTasks();
    for (int i = 0; i < 1_000; i++) {
      try (Lease lease = lock.acquire(WAIT)) {
        assertThat(lease.isValid()).isTrue();
      }
    }
    // a task per renewal and expiry check would put 2,000 on the timer, each waking its thread
    assertThat(client.timerTasks() - before).isLessThanOrEqualTo(2);
  }
}
