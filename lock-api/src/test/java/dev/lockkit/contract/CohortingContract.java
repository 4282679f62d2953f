package dev.lockkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockLostException;
import dev.lockkit.LockTimeoutException;
import dev.lockkit.contract.Workers.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Threads of one client contending for one lock, the case that cohorting (DESIGN.md, "Performance ideas")
 * changes: local queues, local hand-offs, and their limit. Every test holds with cohorting on and off, through
 * the public API only; what a broken cohort would do wrong is named at each test.
 */
public abstract class CohortingContract extends LifecycleContract {
  /** How long a queued thread is willing to wait: far beyond any test's bound, so that only the test ends it. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Workers threads = new Workers();

  @AfterEach
  void stopThreads() {
    threads.close(); // interrupts waiters a failed test left behind, before the clients are closed
  }

  private Worker<Lease> queued(DistributedLock lock) {
    return threads.queued(lock, WAIT);
  }

  /**
   * Catches: two threads of one client inside at once after a local hand-off, a hand-off that reuses or lowers
   * the fencing token, and a local queue that starves some threads or the other client.
   */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void manyThreadsOfOneClientAndAnotherClientAllTakeTurnsWithoutOverlap() throws Exception {
    String name = name();
    DistributedLock crowded = client().lock(name);
    List<DistributedLock> locks = new ArrayList<>(Collections.nCopies(4, crowded));
    locks.add(client().lock(name)); // "client4/..." are the other client's two threads, the rest are one client's
    int iterations = 8;
    Contention.Result result = Contention.run(locks, 2, iterations, WAIT, Duration.ofSeconds(150));

    assertThat(result.failures()).as("failures of the contending threads").isEmpty();
    assertThat(result.history().overlaps()).as("overlapping critical sections").isEmpty();
    assertThat(result.maxOccupancy()).as("most holders inside at once").isEqualTo(1);
    assertThat(result.counter()).as("increments not lost").isEqualTo(10 * iterations);
    assertThat(result.history().tokenRegressions()).as("tokens out of grant order").isEmpty();
    Map<String, Long> turns = result.history().sections().stream()
        .collect(Collectors.groupingBy(History.Section::holder, Collectors.counting()));
    assertThat(turns).as("turns of each thread").hasSize(10).allSatisfy((holder, n) ->
        assertThat(n).as("turns of %s", holder).isEqualTo(iterations));
  }

  /**
   * Catches: local hand-offs without a bound (or a bound that is not honoured), which keep the lock in one
   * client for as long as its threads keep asking, so that another client never gets it.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void anotherClientIsNotStarvedByThreadsOfOneClientPassingTheLockAmongThemselves() throws Exception {
    String name = name();
    LockClient busy = client((cohorting() ? options().maxLocalHandoffs(2) : options()).build());
    LockClient other = client();
    DistributedLock crowded = busy.lock(name);
    History history = new History();
    AtomicBoolean stop = new AtomicBoolean();
    List<Future<?>> hammering = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String holder = "busy/thread" + t;
      hammering.add(threads.submit(() -> {
        while (!stop.get()) {
          try (Lease lease = crowded.acquire(WAIT)) {
            long start = System.nanoTime();
            Thread.yield();
            history.record(holder, lease.fencingToken(), start, System.nanoTime());
          }
        }
        return null;
      }));
    }
    try {
      // the four threads are all in the game: each has had turns, so each keeps queueing for more
      await().atMost(PROMPTLY).until(() -> history.sections().stream().map(History.Section::holder).distinct()
          .count() == 4);
      try (Lease lease = other.lock(name).acquire(Duration.ofSeconds(30))) {
        long start = System.nanoTime();
        assertThat(hammering).as("the busy client's threads still want the lock").noneMatch(Future::isDone);
        Thread.yield();
        history.record("other", lease.fencingToken(), start, System.nanoTime());
      }
    } finally {
      stop.set(true);
    }
    for (Future<?> f : hammering) {
      f.get(PROMPTLY.plus(WAIT).toMillis(), TimeUnit.MILLISECONDS);
    }
    assertThat(history.overlaps()).as("overlapping critical sections").isEmpty();
    assertThat(history.tokenRegressions()).as("tokens out of grant order").isEmpty();
  }

  /**
   * Catches: a re-entrant acquisition that queues behind the holder's own local waiters (a deadlock), an inner
   * close that hands the lock on, and waiters that go ahead while the outermost lease is still open.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void reentrancyWorksWhileOtherThreadsOfTheClientQueue() throws Exception {
    String name = name();
    LockClient a = client();
    LockClient b = client();
    DistributedLock lock = a.lock(name);
    Lease outer = lock.acquire(PROMPTLY);
    List<Worker<Lease>> waiters = List.of(queued(lock), queued(lock));

    assertReentriesShareTheHolding(lock, outer, b, name);
    await().during(Duration.ofMillis(500)).atMost(PROMPTLY)
        .until(() -> waiters.stream().noneMatch(w -> w.result().isDone()));

    outer.close();
    long previous = outer.fencingToken();
    List<Worker<Lease>> left = new ArrayList<>(waiters);
    while (!left.isEmpty()) {
      // whichever waiter is granted next; the other must go on waiting while it holds
      await().atMost(PROMPTLY).until(() -> left.stream().anyMatch(w -> w.result().isDone()));
      List<Worker<Lease>> granted = left.stream().filter(w -> w.result().isDone()).collect(Collectors.toList());
      assertThat(granted).as("waiters granted at once").hasSize(1);
      Lease lease = granted.get(0).get(PROMPTLY);
      assertThat(lease.isValid()).isTrue();
      assertThat(lease.fencingToken()).as("token of the waiter granted after %s", previous).isGreaterThan(previous);
      assertHeldElsewhere(b, name);
      previous = lease.fencingToken();
      lease.close();
      left.removeAll(granted);
    }
    await().atMost(PROMPTLY).until(() -> wasFree(b, name));
  }

  /**
   * Catches: a non-waiting attempt that queues behind (or jumps) a local holder or waiter, and local state that
   * still counts a thread as holding or queued after it left, so that the client never takes the lock again.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void tryAcquireIsEmptyWhileAnotherThreadOfTheClientHoldsOrWaits() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    Lease elsewhere = client().lock(name).acquire(PROMPTLY);
    Worker<Lease> waiter = queued(lock);
    assertThat(lock.tryAcquire()).as("while a thread of this client waits").isEmpty();
    assertThat(lock.tryAcquire(Duration.ZERO)).as("one attempt while a thread of this client waits").isEmpty();

    elsewhere.close();
    Lease held = waiter.get(PROMPTLY);
    assertThat(held.isValid()).isTrue();
    Optional<Lease> meanwhile = lock.tryAcquire();
    meanwhile.ifPresent(Lease::close);
    assertThat(meanwhile).as("while another thread of this client holds").isEmpty();
    assertThat(lock.isHeldByCurrentThread()).isFalse();
    assertThat(held.isValid()).isTrue();

    held.close();
    try (Lease mine = lock.tryAcquire().orElseThrow(() -> new AssertionError("free, but refused"))) {
      assertThat(mine.fencingToken()).isGreaterThan(held.fencingToken());
    }
  }

  /**
   * Catches: a local waiter that gives up but stays in the local queue, so that the release hands the lock to
   * nobody (and the lock stays taken, renewed, for good) or to a thread that is no longer there.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void localWaitersThatTimeOutLeaveNothingBehind() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    Duration timeout = Duration.ofMillis(700);
    Lease held = lock.acquire(PROMPTLY);
    // two timed waiters first in the queue, then one that waits long enough; "parked" may see a timed waiter
    // already gone on a slow machine, which weakens the test but does not break it
    Worker<Duration> timedAcquire = threads.parked(() -> {
      long start = System.nanoTime();
      assertThatThrownBy(() -> lock.acquire(timeout)).isInstanceOf(LockTimeoutException.class)
          .hasMessageContaining(name);
      return Duration.ofNanos(System.nanoTime() - start);
    });
    Worker<Duration> timedTry = threads.parked(() -> {
      long start = System.nanoTime();
      assertThat(lock.tryAcquire(timeout)).isEmpty();
      return Duration.ofNanos(System.nanoTime() - start);
    });
    Worker<Lease> patient = queued(lock);
    for (Worker<Duration> attempt : List.of(timedAcquire, timedTry)) {
      assertThat(attempt.get(PROMPTLY)).as("time to give up")
          .isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plus(WaitingContract.TIMEOUT_GRACE));
    }
    assertThat(patient.result()).isNotDone();

    held.close();
    Lease next = patient.get(PROMPTLY);
    assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
    next.close();
    LockClient other = client();
    await().atMost(PROMPTLY).until(() -> wasFree(other, name));
    assertThat(wasFree(a, name)).as("free for the client whose threads gave up").isTrue();
  }

  /**
   * Catches: an interrupted thread left in the local queue, or the wait on the server abandoned with it, so
   * that the thread behind it is never woken (or the lock is handed to the interrupted thread).
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void interruptedQueuedThreadsThrowAndTheOneBetweenThemGetsTheLock() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    Lease elsewhere = client().lock(name).acquire(PROMPTLY);
    Worker<Lease> first = queued(lock);
    Worker<Lease> second = queued(lock);
    Worker<Lease> last = queued(lock);

    first.thread().interrupt();
    last.thread().interrupt();
    assertThatThrownBy(() -> first.get(PROMPTLY)).isInstanceOf(InterruptedException.class);
    assertThatThrownBy(() -> last.get(PROMPTLY)).isInstanceOf(InterruptedException.class);
    assertThat(second.result()).isNotDone();

    elsewhere.close();
    Lease lease = second.get(PROMPTLY);
    assertThat(lease.fencingToken()).isGreaterThan(elsewhere.fencingToken());
    lease.close();
    LockClient third = client();
    await().atMost(PROMPTLY).until(() -> wasFree(third, name));
    assertThat(wasFree(a, name)).isTrue();
  }

  /**
   * Catches: a cancelled asynchronous acquisition that keeps its place in the local queue, so that the lock is
   * handed to a future nobody reads and stays taken.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void cancellingAQueuedAsyncAcquireLeavesNothingBehind() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    Lease held = lock.acquire(PROMPTLY);
    CompletableFuture<Lease> cancelled = lock.acquireAsync(WAIT);
    CompletableFuture<Lease> kept = lock.acquireAsync(WAIT);
    assertThat(cancelled.cancel(true)).isTrue();
    assertThat(kept).isNotDone();

    held.close();
    Lease lease = kept.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(lease.fencingToken()).isGreaterThan(held.fencingToken());
    lease.close();
    LockClient other = client();
    await().atMost(PROMPTLY).until(() -> wasFree(other, name));
    assertThat(wasFree(a, name)).isTrue();
  }

  /**
   * Catches: a local holder whose lease looks valid for as long as the lock stays in the client (the hand-off
   * trusted instead of the server's deadline), a loss told to the earlier holder's listeners instead of the
   * current one's, and a lock the server never frees.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void aLeaseHandedToAnotherThreadStillRunsOutAndItsHolderIsTold() throws Exception {
    String name = name();
    LockClient a = unrenewedClient();
    DistributedLock lock = a.lock(name);
    Lease first = lock.acquire(PROMPTLY);
    CopyOnWriteArrayList<LockLostException> firstHeard = new CopyOnWriteArrayList<>();
    first.onLost(firstHeard::add);
    Worker<Lease> waiter = queued(lock);

    first.close();
    Lease second = waiter.get(PROMPTLY);
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    second.onLost(heard::set);
    assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());

    // the lease may have been extended by the hand-off, never beyond one more lease time
    await().atMost(PROMPTLY.plus(SHORT_LEASE.multipliedBy(2))).until(() -> heard.get() != null);
    assertThat(second.isValid()).isFalse();
    assertThat(heard.get()).hasMessageContaining(name);
    assertThatThrownBy(second::close).isInstanceOf(LockLostException.class);
    assertThat(firstHeard).as("listeners of the earlier, released holder").isEmpty();
    try (Lease next = client().lock(name).acquire(PROMPTLY.plus(SHORT_LEASE))) {
      assertThat(next.fencingToken()).isGreaterThan(second.fencingToken());
    }
  }

  /**
   * Catches: tokens of local hand-offs that run ahead of the server's counter (so that the next client's token
   * is lower than one already handed out), and local numbering that restarts below an earlier token.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void tokensOfHandOffsBetweenThreadsStayBelowTheNextClientsToken() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    History history = new History();
    Lease held = lock.acquire(PROMPTLY);
    List<Worker<Long>> waiters = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String holder = "thread" + t;
      Worker<Long> w = threads.parked(() -> {
        try (Lease lease = lock.acquire(WAIT)) {
          long start = System.nanoTime();
          Thread.yield();
          history.record(holder, lease.fencingToken(), start, System.nanoTime());
          return lease.fencingToken();
        }
      });
      assertThat(w.result()).isNotDone();
      waiters.add(w);
    }
    long start = System.nanoTime();
    history.record("holder", held.fencingToken(), start, System.nanoTime());
    held.close();
    long highest = held.fencingToken();
    for (Worker<Long> w : waiters) {
      highest = Math.max(highest, w.get(PROMPTLY));
    }
    assertThat(history.size()).isEqualTo(5);
    assertThat(history.overlaps()).isEmpty();
    assertThat(history.tokenRegressions()).isEmpty();

    long other;
    try (Lease lease = client().lock(name).acquire(PROMPTLY)) {
      other = lease.fencingToken();
      assertThat(other).as("the other client's token").isGreaterThan(highest);
    }
    try (Lease again = lock.acquire(PROMPTLY)) {
      assertThat(again.fencingToken()).as("the first client's token, after the other's").isGreaterThan(other);
    }
  }

  /**
   * Catches: threads queued locally that closing the client forgets (they hang until their own timeout) or
   * hands the lock to, and a holder that is not told its critical section ended.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  void closingTheClientTellsItsHolderAndFailsTheThreadsQueuedBehindIt() throws Exception {
    String name = name();
    LockClient a = client();
    DistributedLock lock = a.lock(name);
    Lease held = lock.acquire(PROMPTLY);
    AtomicReference<LockLostException> heard = new AtomicReference<>();
    held.onLost(heard::set);
    List<Worker<Lease>> waiters = List.of(queued(lock), queued(lock));
    CompletableFuture<Lease> async = lock.acquireAsync(WAIT);
    assertThat(async).isNotDone();

    a.close();
    assertThat(held.isValid()).isFalse();
    for (Worker<Lease> w : waiters) {
      assertThatThrownBy(() -> w.get(PROMPTLY)).isInstanceOf(LockClientClosedException.class);
    }
    assertThatThrownBy(() -> async.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LockClientClosedException.class);
    await().atMost(PROMPTLY).until(() -> heard.get() != null);
    assertThatThrownBy(held::close).isInstanceOf(LockLostException.class);
    LockClient other = client();
    await().atMost(PROMPTLY).until(() -> wasFree(other, name));
  }
}
