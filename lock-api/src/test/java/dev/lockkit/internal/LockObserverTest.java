package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockLostException;
import dev.lockkit.LockObserver;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.LockTimeoutException;
import dev.lockkit.Locks;
import dev.lockkit.ObservedLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@link LockObserver} hears a known workload through the memory backend: each acquisition's outcome, each
 * holding's start and end, losses with their cause, local hand-offs; the counts an observer keeps end at zero;
 * and an observer that throws changes nothing. Renewal failures come from a scripted server.
 */
@Timeout(60)
class LockObserverTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final String store = "observer-" + UUID.randomUUID().toString().substring(0, 8);
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<LockClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    clients.forEach(LockClient::close);
  }

  private LockClient client(LockOptions options) {
    LockClient client = Locks.connect("memory:" + store, options);
    clients.add(client);
    return client;
  }

  /** Records every callback as a line naming the lock, and keeps the counts a gauge would. */
  static final class Recorder implements LockObserver {
    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    final AtomicInteger waiting = new AtomicInteger();
    final AtomicInteger held = new AtomicInteger();
    final Map<String, Duration> lastWait = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<ObservedLock> seen = new ConcurrentLinkedQueue<>();
    /** A state handed back that was not the one returned for that acquisition or holding. */
    final ConcurrentLinkedQueue<String> mixedUp = new ConcurrentLinkedQueue<>();

    @Override
    public Object acquisitionStarted(ObservedLock lock) {
      seen.add(lock);
      waiting.incrementAndGet();
      events.add("start " + lock.name());
      return "acquisition of " + lock.name();
    }

    @Override
    public void acquisitionEnded(ObservedLock lock, @Nullable Object state, AcquisitionOutcome outcome,
        Duration wait, @Nullable Throwable failure) {
      if (!("acquisition of " + lock.name()).equals(state)) {
        mixedUp.add(String.valueOf(state));
      }
      lastWait.put(lock.name(), wait);
      waiting.decrementAndGet();
      events.add("acquire " + lock.name() + " " + outcome + (failure == null ? "" : " " + failure.getClass()));
    }

    @Override
    public Object leaseStarted(ObservedLock lock) {
      held.incrementAndGet();
      events.add("held " + lock.name());
      return "holding of " + lock.name();
    }

    @Override
    public void leaseEnded(ObservedLock lock, @Nullable Object state, LeaseEnd end, Duration heldFor) {
      if (!("holding of " + lock.name()).equals(state)) {
        mixedUp.add(String.valueOf(state));
      }
      held.decrementAndGet();
      events.add("ended " + lock.name() + " " + end);
    }

    @Override
    public void leaseLost(ObservedLock lock, LossCause cause) {
      events.add("lost " + lock.name() + " " + cause);
    }

    @Override
    public void renewalFailed(ObservedLock lock, Throwable failure) {
      events.add("renewal failed " + lock.name());
    }

    @Override
    public void handedOff(ObservedLock lock) {
      events.add("handoff " + lock.name());
    }

    List<String> of(String name) {
      return events.stream().filter(e -> e.endsWith(" " + name) || e.contains(" " + name + " ")).toList();
    }
  }

  /** Throws from every callback. */
  static final class Throwing implements LockObserver {
    final AtomicInteger calls = new AtomicInteger();

    private RuntimeException fail() {
      calls.incrementAndGet();
      return new IllegalStateException("a broken observer");
    }

    @Override
    public Object acquisitionStarted(ObservedLock lock) {
      throw fail();
    }

    @Override
    public void acquisitionEnded(ObservedLock lock, @Nullable Object state, AcquisitionOutcome outcome,
        Duration wait, @Nullable Throwable failure) {
      throw fail();
    }

    @Override
    public Object leaseStarted(ObservedLock lock) {
      throw fail();
    }

    @Override
    public void leaseEnded(ObservedLock lock, @Nullable Object state, LeaseEnd end, Duration held) {
      throw fail();
    }

    @Override
    public void leaseLost(ObservedLock lock, LossCause cause) {
      throw fail();
    }

    @Override
    public void handedOff(ObservedLock lock) {
      throw fail();
    }
  }

  private static int queued(DistributedLock lock) {
    CoreLock state = ((LockHandle) lock).state();
    return state == null || state.cohort() == null ? 0 : java.util.Objects.requireNonNull(state.cohort()).queued();
  }

  @Test
  void eachAcquisitionIsReportedOnceWithItsOutcome() throws Exception {
    Recorder recorder = new Recorder();
    LockClient client = client(LockOptions.builder().namespace("orders").observer(recorder).build());
    LockClient other = client(LockOptions.builder().namespace("orders").build());
    Lease foreign = other.lock("busy").acquire(WAIT);
    DistributedLock busy = client.lock("busy");

    assertThat(busy.tryAcquire()).isEmpty();
    assertThat(busy.tryAcquire(Duration.ofMillis(100))).isEmpty();
    // about the wait: the client's timer may end it a few milliseconds before the observer's clock says 100 ms
    assertThat(recorder.lastWait.get("busy")).isGreaterThanOrEqualTo(Duration.ofMillis(80));
    assertThatThrownBy(() -> busy.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class);

    Future<?> interrupted = threads.submit(() -> busy.acquire());
    await().atMost(WAIT).until(() -> queued(busy) == 1);
    interrupted.cancel(true);
    await().atMost(WAIT).until(() -> recorder.waiting.get() == 0);

    CompletableFuture<Lease> cancelled = busy.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> queued(busy) == 1);
    cancelled.cancel(false);
    await().atMost(WAIT).until(() -> recorder.waiting.get() == 0);
    foreign.close();

    DistributedLock free = client.lock("free");
    try (Lease lease = free.acquire(WAIT); Lease again = free.acquire(WAIT)) {
      assertThat(again.fencingToken()).isEqualTo(lease.fencingToken()); // re-entered: no acquisition
      assertThat(recorder.held.get()).isEqualTo(1);
    }
    Optional<Lease> tried = free.tryAcquire();
    assertThat(tried).isPresent();
    tried.get().close();
    client.lock("async").acquireAsync(WAIT).get(20, TimeUnit.SECONDS).close();

    assertThat(recorder.of("busy")).containsExactly(
        "start busy", "acquire busy TIMEOUT",
        "start busy", "acquire busy TIMEOUT",
        "start busy", "acquire busy TIMEOUT",
        "start busy", "acquire busy INTERRUPTED",
        "start busy", "acquire busy CANCELLED");
    assertThat(recorder.of("free")).containsExactly(
        "start free", "held free", "acquire free ACQUIRED", "ended free RELEASED",
        "start free", "held free", "acquire free ACQUIRED", "ended free RELEASED");
    assertThat(recorder.of("async")).containsExactly(
        "start async", "held async", "acquire async ACQUIRED", "ended async RELEASED");
    assertThat(recorder.waiting.get()).isZero();
    assertThat(recorder.held.get()).isZero();
    assertThat(recorder.mixedUp).isEmpty();
    assertThat(recorder.seen).allSatisfy(lock -> {
      assertThat(lock.backend()).isEqualTo("memory");
      assertThat(lock.description()).isEqualTo("memory:" + store);
      assertThat(lock.namespace()).isEqualTo("orders");
    });
  }

  @Test
  void aLossIsReportedWithItsCauseBeforeItsHoldingEnds() throws Exception {
    Recorder recorder = new Recorder();
    LockClient client = client(LockOptions.builder().observer(recorder).build());
    DistributedLock shortLived = client.lock("short",
        LockSettings.builder().leaseTime(Duration.ofMillis(100)).withoutRenewal().build());

    Lease lease = shortLived.acquire(WAIT);
    await().atMost(WAIT).until(() -> recorder.held.get() == 0);
    assertThatThrownBy(lease::close).isInstanceOf(LockLostException.class);
    assertThat(recorder.of("short")).containsExactly(
        "start short", "held short", "acquire short ACQUIRED", "lost short EXPIRED", "ended short LOST");

    Lease open = client.lock("open").acquire(WAIT);
    client.close();
    assertThat(open.isValid()).isFalse();
    assertThat(recorder.of("open")).containsExactly(
        "start open", "held open", "acquire open ACQUIRED", "lost open CLIENT_CLOSED", "ended open LOST");
    assertThat(recorder.held.get()).isZero();
    assertThat(recorder.mixedUp).isEmpty();
  }

  @Test
  void aLocalHandOffIsReportedAndStartsTheNextHolding() throws Exception {
    Recorder recorder = new Recorder();
    LockClient client = client(LockOptions.builder().maxLocalHandoffs(4).observer(recorder).build());
    DistributedLock lock = client.lock("passed");
    Lease first = lock.acquire(WAIT);
    Future<Long> next = threads.submit(() -> {
      try (Lease lease = lock.acquire(WAIT)) {
        return lease.fencingToken();
      }
    });
    await().atMost(WAIT).until(() -> queued(lock) == 1);
    long firstToken = first.fencingToken();
    first.close();
    assertThat(next.get(20, TimeUnit.SECONDS)).isEqualTo(firstToken + 1); // passed on, not acquired anew

    List<String> events = recorder.of("passed");
    assertThat(events).startsWith("start passed", "held passed", "acquire passed ACQUIRED", "start passed",
        // the next holding starts as the lock passes, before the first one has ended
        "held passed", "handoff passed");
    // the waiter's acquisition ends on its thread as the first holding ends on the releasing one
    assertThat(events.subList(6, events.size())).containsExactlyInAnyOrder(
        "acquire passed ACQUIRED", "ended passed RELEASED", "ended passed RELEASED");
    assertThat(recorder.held.get()).isZero();
    assertThat(recorder.waiting.get()).isZero();
  }

  @Test
  void anObserverThatThrowsChangesNothing() throws Exception {
    Throwing throwing = new Throwing();
    LockClient client = client(LockOptions.builder().maxLocalHandoffs(4).observer(throwing).build());
    LockClient other = client(LockOptions.defaults());

    DistributedLock lock = client.lock("shared");
    Lease first = lock.acquire(WAIT);
    Future<Long> next = threads.submit(() -> {
      try (Lease lease = lock.acquire(WAIT)) {
        return lease.fencingToken();
      }
    });
    await().atMost(WAIT).until(() -> queued(lock) == 1);
    long firstToken = first.fencingToken();
    first.close();
    assertThat(next.get(20, TimeUnit.SECONDS)).isEqualTo(firstToken + 1);

    try (Lease foreign = other.lock("taken").acquire(WAIT)) {
      assertThat(foreign.isValid()).isTrue();
      assertThat(client.lock("taken").tryAcquire(Duration.ofMillis(50))).isEmpty();
      CompletableFuture<Lease> cancelled = client.lock("taken").acquireAsync(WAIT);
      cancelled.cancel(false);
      assertThatThrownBy(cancelled::join).isInstanceOf(CancellationException.class);
    }

    Lease expiring = client.lock("short",
        LockSettings.builder().leaseTime(Duration.ofMillis(100)).withoutRenewal().build()).acquire(WAIT);
    await().atMost(WAIT).until(() -> !expiring.isValid());
    assertThatThrownBy(expiring::close).isInstanceOf(LockLostException.class);
    try (Lease again = client.lock("short").acquire(WAIT)) {
      assertThat(again.isValid()).isTrue();
    }
    assertThat(throwing.calls.get()).isGreaterThan(10);
  }

  @Test
  void theObserverIsCopiedWithTheOptionsAndSetOnce() {
    Recorder recorder = new Recorder();
    LockOptions options = LockOptions.builder().observer(recorder).build();
    assertThat(options.observer()).containsSame(recorder);
    assertThat(options.toBuilder().leaseTime(Duration.ofSeconds(5)).build().observer()).containsSame(recorder);
    assertThat(LockSettings.builder().leaseTime(Duration.ofSeconds(5)).build().over(options).observer())
        .containsSame(recorder);
    assertThat(LockOptions.defaults().observer()).isEmpty();
    assertThat(options).isNotEqualTo(LockOptions.defaults());
    assertThatThrownBy(() -> LockOptions.builder().observer(recorder).observer(recorder))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("observer was already set");
  }

  @Test
  void failedAndRefusedRenewalsAreReported() throws Exception {
    ScriptedBackend server = new ScriptedBackend();
    Recorder recorder = new Recorder();
    CoreLockClient client = CoreLockClient.open(LockOptions.builder().leaseTime(Duration.ofMillis(600))
        .renewInterval(Duration.ofMillis(50)).commandTimeout(Duration.ofMillis(100)).observer(recorder).build(),
        context -> server);
    clients.add(client);

    server.renewalsFail = true;
    Lease failing = client.lock("failing").acquire(WAIT);
    await().atMost(WAIT).until(() -> recorder.held.get() == 0);
    assertThatThrownBy(failing::close).isInstanceOf(LockLostException.class);
    List<String> events = recorder.of("failing");
    assertThat(events).startsWith("start failing", "held failing", "acquire failing ACQUIRED",
        "renewal failed failing").endsWith("lost failing EXPIRED", "ended failing LOST");
    assertThat(events.subList(3, events.size() - 2)).containsOnly("renewal failed failing");

    server.renewalsFail = false;
    Lease refused = client.lock("refused").acquire(WAIT);
    server.expire();
    await().atMost(WAIT).until(() -> recorder.held.get() == 0);
    assertThatThrownBy(refused::close).isInstanceOf(LockLostException.class);
    assertThat(recorder.of("refused")).containsExactly(
        "start refused", "held refused", "acquire refused ACQUIRED", "lost refused NOT_HELD", "ended refused LOST");
  }
}
