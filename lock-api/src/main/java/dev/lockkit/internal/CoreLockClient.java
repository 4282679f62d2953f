package dev.lockkit.internal;

import dev.lockkit.DistributedLock;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockException;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.LockTimeoutException;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendContext;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client every backend shares: validation, re-entrancy (through {@link CoreLock}), the lease bookkeeping
 * of {@link Hold} and {@link Tenure}, cohorting, timeouts, and closing. Owns one timer thread (all its timed
 * work behind one task, see {@link Wakeups}) and one thread for loss listeners.
 */
public final class CoreLockClient implements LockClient {
  private static final Logger log = LoggerFactory.getLogger(CoreLockClient.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private static final int OPEN = 0;
  private static final int CLOSED = 1;

  private final LockOptions options;
  private final String id;
  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService events;
  private final LockBackend backend;
  private final ConcurrentHashMap<String, CoreLock> locks = new ConcurrentHashMap<>();
  private final Set<Hold> holds = ConcurrentHashMap.newKeySet();
  private final Wakeups wakeups;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private final AtomicInteger state = new AtomicInteger(OPEN);
  private final long commandTimeoutNanos;
  /** The terms of a lock without settings of its own. */
  private final Terms defaults;
  /** The options' observer, or {@link Observing#NONE}. */
  private final Observing observing;

  private CoreLockClient(LockOptions options, Function<BackendContext, LockBackend> backendFactory) {
    this.options = options;
    this.id = "c" + IDS.incrementAndGet();
    this.commandTimeoutNanos = Checks.toNanosSaturated(options.commandTimeout());
    this.defaults = new Terms(options, 0);
    this.timer = new ScheduledThreadPoolExecutor(1, Threads.daemon("lockkit-" + id + "-timer"));
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.wakeups = new Wakeups(timer);
    this.events = Executors.newSingleThreadExecutor(Threads.daemon("lockkit-" + id + "-events"));
    try {
      this.backend = Checks.notNull(backendFactory.apply(new BackendContext(options, timer, id)), "backend");
    } catch (RuntimeException | Error e) {
      timer.shutdownNow();
      events.shutdownNow();
      throw e;
    }
    this.observing = Observing.of(options, backend.describe());
  }

  /** Opens a client around the backend the factory makes. */
  public static CoreLockClient open(LockOptions options, Function<BackendContext, LockBackend> backendFactory) {
    return new CoreLockClient(options, backendFactory);
  }

  @Override
  public DistributedLock lock(String name) {
    checkOpen();
    Names.check(name);
    return new LockHandle(this, name, defaults);
  }

  @Override
  public DistributedLock lock(String name, LockSettings settings) {
    checkOpen();
    Names.check(name);
    Checks.notNull(settings, "settings");
    Terms terms = new Terms(settings.over(options), Checks.toNanosSaturated(settings.minimumHold()));
    return new LockHandle(this, name, terms.equals(defaults) ? defaults : terms);
  }

  /** The terms of a lock without settings of its own. */
  Terms defaults() {
    return defaults;
  }

  /**
   * The state of the lock name for an operation about to use it, pinned: it stays this client's one state of
   * that name until the pin is dropped ({@link CoreLock#unpin()}). A name's state is kept only while pinned
   * (an operation in progress or a holding), so that a client that locks many distinct names keeps nothing of
   * the names it no longer uses.
   */
  CoreLock pin(String name) {
    while (true) {
      CoreLock lock = locks.computeIfAbsent(name, n -> new CoreLock(this, n));
      if (lock.pin()) {
        return lock;
      }
      // retired as its last pin dropped; it has left the map by now, so the next look makes a new one
    }
  }

  /** The state of the lock name if any operation or holding uses it now. */
  @Nullable CoreLock existing(String name) {
    return locks.get(name);
  }

  /** A retired state leaves the map, unless another took its place meanwhile. */
  void retire(CoreLock lock) {
    locks.remove(lock.name(), lock);
  }

  /** Lock names with state kept; for tests that it does not grow. */
  int namesKept() {
    return locks.size();
  }

  @Override
  public LockOptions options() {
    return options;
  }

  @Override
  public void close() {
    if (!state.compareAndSet(OPEN, CLOSED)) {
      return;
    }
    failPending();
    List<CompletableFuture<?>> releases = new ArrayList<>();
    for (Hold hold : new ArrayList<>(holds)) {
      releases.add(hold.endByClient());
    }
    try {
      // bounded: a dead server must not make close() hang; its locks then expire by themselves
      Futures.await(CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)), commandTimeoutNanos);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.warn("Not every lease of {} could be released on close; they expire on the server", describe(), e);
    }
    try {
      backend.close();
    } catch (RuntimeException e) {
      log.warn("Closing the backend of {} failed", describe(), e);
    }
    timer.shutdownNow();
    events.shutdown(); // listeners already queued still run
    log.debug("Closed lock client {} of {}", id, describe());
  }

  /** See {@link dev.lockkit.spi.LockClients#crash}. */
  public void crash() {
    if (!state.compareAndSet(OPEN, CLOSED)) {
      return;
    }
    for (Hold hold : new ArrayList<>(holds)) {
      hold.abandon();
    }
    holds.clear();
    failPending();
    try {
      backend.abandon();
    } catch (RuntimeException e) {
      log.debug("Abandoning the backend of {} failed", describe(), e);
    }
    timer.shutdownNow();
    events.shutdownNow();
  }

  private void failPending() {
    for (CompletableFuture<?> attempt : new ArrayList<>(pending)) {
      attempt.completeExceptionally(closedWhileWaiting());
    }
  }

  LockClientClosedException closedWhileWaiting() {
    return new LockClientClosedException("the LockClient (" + describe() + ") was closed while waiting");
  }

  void checkOpen() {
    if (state.get() != OPEN) { // the message only then: describing the backend builds a string
      throw new IllegalStateException("this LockClient (" + describe() + ") is closed");
    }
  }

  /**
   * Starts one acquisition: through the lock's cohort when cohorting is on, else straight to the server.
   * {@code timeoutNanos < 0} waits without a bound. A non-waiting attempt is bounded by the command timeout; a
   * timed one by its wait, but not before its first attempt found the lock held (see {@link Waiting}).
   */
  CompletableFuture<@Nullable Tenure> start(CoreLock lock, Terms terms, boolean waits, long timeoutNanos,
      @Nullable Thread thread) {
    return started(lock, terms, waits, timeoutNanos, thread).tenure();
  }

  /** An acquisition started: its outcome, and its wait, whose clean-up a caller that gives up may wait for. */
  record Started(CompletableFuture<@Nullable Tenure> tenure, Waiting waiting) {}

  /** {@link #start}, also handing out the acquisition's wait. */
  Started started(CoreLock lock, Terms terms, boolean waits, long timeoutNanos, @Nullable Thread thread) {
    CompletableFuture<@Nullable Tenure> result = new CompletableFuture<>();
    Waiting waiting = new Waiting(lock, result, waits, timeoutNanos);
    pending.add(result);
    if (state.get() != OPEN) {
      // closed between checkOpen and here: close() may have missed this attempt
      pending.remove(result);
      waiting.nothingToCleanUp();
      result.completeExceptionally(closedWhileWaiting());
      return new Started(result, waiting);
    }
    if (waiting.bounded()) {
      wakeups.add(waiting);
    }
    Observing.Started observed = observing.acquisitionStarted(lock);
    if (observed == null) {
      // without an observer the callback captures no more than it needs (it is allocated per acquisition)
      result.whenComplete((h, failure) -> settled(result, waiting));
    } else {
      result.whenComplete((h, failure) -> {
        settled(result, waiting);
        observing.acquisitionEnded(lock, observed, h, failure, thread != null);
      });
    }
    Cohort cohort = lock.cohort(terms);
    if (cohort != null) {
      cohort.join(result, waits, thread, waiting);
      return new Started(result, waiting);
    }
    attemptDirectly(lock, terms, result, waits, thread, waiting);
    return new Started(result, waiting);
  }

  LockBackend backend() {
    return backend;
  }

  /** An acquisition ended, whichever way: it no longer counts as pending or waiting. */
  private void settled(CompletableFuture<@Nullable Tenure> result, Waiting waiting) {
    pending.remove(result);
    if (waiting.bounded()) {
      wakeups.remove(waiting);
    }
  }

  /** One acquisition on the server for one caller (cohorting off); again if its grant came too late. */
  private void attemptDirectly(CoreLock lock, Terms terms, CompletableFuture<@Nullable Tenure> result,
      boolean waits, @Nullable Thread thread, Waiting waiting) {
    Hold hold = new Hold(this, lock, terms, waiting, null);
    CompletableFuture<BackendLease> attempt = acquireRemote(lock, hold, waits, false);
    attempt.whenComplete((lease, failure) -> {
      if (failure != null) {
        result.completeExceptionally(translate(failure, lock));
      } else if (lease == null) {
        result.complete(null);
      } else {
        Tenure tenure;
        try {
          tenure = hold.grant(lease, thread);
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
          return;
        }
        if (tenure == null) {
          // granted after its lease time had passed on this client's clock: released by grant; try again
          if (waits) {
            if (!result.isDone()) {
              attemptDirectly(lock, terms, result, true, thread, waiting);
            }
          } else {
            result.completeExceptionally(hold.grantedTooLate());
          }
        } else if (!result.complete(tenure)) {
          tenure.releaseQuietly(); // the caller gave up (timeout, interrupt, close) as the lock was won
        }
      }
    });
    result.whenComplete((h, failure) -> {
      if (failure != null) {
        attempt.cancel(false); // tells the backend to stop waiting and clean up
        waiting.cleaningUp(backend.cleanedUp(attempt));
      }
    });
  }

  /**
   * Asks the backend for the lock on behalf of {@code hold}; a backend that throws gives a failed future.
   * {@code yields}: see {@link AcquireRequest#yieldsToWaiters()}.
   */
  CompletableFuture<BackendLease> acquireRemote(CoreLock lock, Hold hold, boolean waits, boolean yields) {
    if (state.get() != OPEN) {
      return CompletableFuture.failedFuture(closedWhileWaiting());
    }
    AcquireRequest request = new AcquireRequest(options.namespace(), lock.name(), Tokens.next(),
        hold.terms().options().leaseTime(), waits, hold, yields, hold.terms().renewNanos() >= 0);
    try {
      return backend.acquire(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The bound of one acquisition. A non-waiting attempt fails with {@link LockBackendException} once the
   * command timeout passed without an answer. A timed acquisition fails with {@link LockTimeoutException} once
   * its wait is over, but only after its first attempt found the lock held ({@link #seenHeld()}): a wait
   * shorter than a round trip must not fail on a free lock. Until then it waits for that first attempt at most
   * the command timeout from its start, and then fails with {@link LockBackendException}.
   */
  final class Waiting implements Wakeups.Due {
    private final CoreLock lock;
    private final CompletableFuture<?> result;
    private final boolean waits;
    private final long startNanos;
    private final long timeoutNanos;
    private volatile long at;
    private volatile boolean seenHeld;
    private volatile boolean firstAttemptOverdue;
    /** Done once the backend cleaned up after an acquisition the caller gave up ({@link LockBackend#cleanedUp}). */
    private final CompletableFuture<Void> cleanedUp = new CompletableFuture<>();

    Waiting(CoreLock lock, CompletableFuture<?> result, boolean waits, long timeoutNanos) {
      this.lock = lock;
      this.result = result;
      this.waits = waits;
      this.startNanos = System.nanoTime();
      this.timeoutNanos = timeoutNanos;
      long bound = waits ? timeoutNanos : commandTimeoutNanos;
      this.at = bound < 0 || bound == Long.MAX_VALUE ? Long.MAX_VALUE : startNanos + bound;
    }

    boolean bounded() {
      return !waits || timeoutNanos >= 0;
    }

    /** The backend's clean-up after this acquisition was given up; see {@link #awaitCleanUp}. */
    void cleaningUp(CompletableFuture<Void> cleanUp) {
      cleanUp.whenComplete((ok, e) -> cleanedUp.complete(null));
    }

    /** This acquisition was given up before the backend had anything of it to clean up. */
    void nothingToCleanUp() {
      cleanedUp.complete(null);
    }

    /**
     * Waits until the backend cleaned up after this acquisition, which its caller gave up, so that what the caller
     * does next finds no trace of it on the server: at most the wait the caller asked for (an acquisition without
     * a bound: the command timeout), as a clean-up that takes longer means a server in trouble, which the next
     * call finds out for itself. Returns at once, interrupt status kept, if the thread is interrupted.
     */
    void awaitCleanUp() {
      long bound = timeoutNanos >= 0 ? Math.min(timeoutNanos, commandTimeoutNanos) : commandTimeoutNanos;
      try {
        cleanedUp.get(bound, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.debug("Clean-up after a given-up acquisition of lock '{}' not done within {} ns; going on", lock.name(),
            bound);
      }
    }

    /**
     * The lock was seen held by another owner (or by another thread of this client). If the wait ran out before
     * (the timer then moved {@link #at} on to the command timeout, to let this first attempt be answered), the
     * acquisition times out now: it must not go on waiting, and maybe win, long after its wait.
     */
    void seenHeld() {
      if (seenHeld) {
        return;
      }
      seenHeld = true;
      if (bounded() && (firstAttemptOverdue || System.nanoTime() - at >= 0)) {
        runTimer(() -> due(System.nanoTime())); // the wait ran out while the first attempt was answered
      }
    }

    @Override
    public long dueAt() {
      return at;
    }

    @Override
    public void due(long now) {
      if (!waits) {
        result.completeExceptionally(new LockBackendException("no answer from " + describe() + " within "
            + options.commandTimeout() + " to an attempt on lock '" + lock.name() + "'", null));
      } else if (seenHeld) {
        result.completeExceptionally(new LockTimeoutException("lock '" + lock.name()
            + "' stayed held by another owner for " + Duration.ofNanos(timeoutNanos)));
      } else if (!firstAttemptOverdue && now - (startNanos + commandTimeoutNanos) < 0) {
        at = startNanos + commandTimeoutNanos; // let the first attempt finish, within the command timeout
        firstAttemptOverdue = true;
        if (seenHeld) {
          due(now); // seen held as this ran, maybe before firstAttemptOverdue was set: time out now
        }
      } else {
        result.completeExceptionally(new LockBackendException("no answer from " + describe() + " within "
            + options.commandTimeout() + " to the first attempt on lock '" + lock.name() + "' (the wait asked for "
            + "was " + Duration.ofNanos(timeoutNanos) + "); the lock was not seen held", null));
      }
    }
  }

  RuntimeException translate(Throwable failure, CoreLock lock) {
    Throwable t = Futures.unwrap(failure);
    if (t instanceof LockException || t instanceof IllegalStateException || t instanceof IllegalArgumentException) {
      return (RuntimeException) t;
    }
    if (t instanceof CancellationException) {
      // the backend cancels what it still waits for only when it closes
      LockClientClosedException closed = new LockClientClosedException("the LockClient (" + describe()
          + ") was closed while acquisition of lock '" + lock.name() + "' was waiting");
      closed.initCause(t);
      return closed;
    }
    return new LockBackendException("acquisition of lock '" + lock.name() + "' on " + describe() + " failed: "
        + t, t);
  }

  /** Rethrows the cause of a failed acquisition as the unchecked exception the API documents. */
  static RuntimeException rethrow(java.util.concurrent.ExecutionException e) {
    Throwable t = Futures.unwrap(e);
    if (t instanceof RuntimeException r) {
      // a fresh stack trace through the caller helps more than the timer thread's
      if (r instanceof LockTimeoutException) {
        return new LockTimeoutException(r.getMessage());
      }
      return r;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return new LockBackendException(String.valueOf(t.getMessage()), t);
  }

  void wakeBy(long atNanos) {
    wakeups.wakeBy(atNanos);
  }

  void runTimer(Runnable task) {
    try {
      timer.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("Timer task dropped: client {} is closed", id);
    }
  }

  void runEvent(Runnable task) {
    try {
      events.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  void register(Hold hold) {
    holds.add(hold);
    wakeups.add(hold);
  }

  void unregister(Hold hold) {
    holds.remove(hold);
    wakeups.remove(hold);
  }

  /** Tasks ever put on the timer; for tests that the hot path leaves it alone. */
  long timerTasks() {
    return timer.getTaskCount();
  }

  Observing observing() {
    return observing;
  }

  long commandTimeoutNanos() {
    return commandTimeoutNanos;
  }

  String describe() {
    return backend.describe();
  }

  @Override
  public String toString() {
    return "LockClient{" + id + ", " + describe() + ", " + options + '}';
  }
}
