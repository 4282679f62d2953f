package dev.lockkit.idempotency;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockSettings;
import dev.lockkit.LockTimeoutException;
import dev.lockkit.ReleaseOutcome;
import dev.lockkit.idempotency.internal.Checks;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.RecordState;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action at most once per {@link IdempotencyKey} and replays its outcome to every later request with the
 * key, for as long as the outcome is retained. Thread-safe; one per application and store is the intended use.
 *
 * <p>How a request goes ({@link #execute}):
 *
 * <ol>
 *   <li>It takes the key's lockkit lock (named as {@link Claim#lockName()} says: {@code
 *       <prefix>/<scope>/<key>}, with a part that is not a valid lock-name segment, or a key too long for a
 *       lock name, replaced by {@code sha256-<hex>}) without waiting. If another request holds it, a completed
 *       record is replayed at once; otherwise the request waits or fails fast as the {@link DuplicatePolicy}
 *       says.
 *   <li>Holding the lease, it claims the key in the store under the lease's fencing token. A completed record
 *       is replayed; a record with another fingerprint is refused ({@link FingerprintMismatchException}); an
 *       in-progress record with a smaller token (its request crashed or paused past its lease) is taken over.
 *   <li>It runs the action, then stores the outcome by a fenced write that succeeds only while the record is
 *       still its own claim. A result is stored; a failure is stored if {@link Builder#storeFailures} accepts
 *       it, else the claim is given up so that a retry runs the action again. If a duplicate took the claim
 *       over meanwhile, the late outcome is refused and the caller gets {@link ClaimLostException}.
 *   <li>It releases the lease, always.
 * </ol>
 *
 * <p>The in-progress record lives as long as a completed one ({@link Builder#retention}); an action that runs
 * longer than that loses its claim.
 */
public final class IdempotencyGuard {
  /** The longest fingerprint, in chars ({@link Fingerprints#sha256} gives 64). */
  public static final int MAX_FINGERPRINT_LENGTH = 256;
  /** The default {@link Builder#retention}. */
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
  /** The default {@link Builder#duplicates}: wait at most this long for the claim's holder. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(10);
  /** The default {@link Builder#lockNamePrefix}. */
  public static final String DEFAULT_LOCK_NAME_PREFIX = "idempotency";
  private static final Logger log = LoggerFactory.getLogger(IdempotencyGuard.class);

  private final LockClient locks;
  private final IdempotencyStore store;
  private final Duration retention;
  private final DuplicatePolicy duplicates;
  private final Predicate<? super Exception> storeFailures;
  private final LockSettings lockSettings;
  private final String prefix;

  private IdempotencyGuard(Builder b) {
    this.locks = b.locks;
    this.store = b.store;
    this.retention = b.retention != null ? b.retention : DEFAULT_RETENTION;
    this.duplicates = b.duplicates != null ? b.duplicates : DuplicatePolicy.waitAtMost(DEFAULT_MAX_WAIT);
    this.storeFailures = b.storeFailures != null ? b.storeFailures : e -> false;
    this.lockSettings = b.lockSettings != null ? b.lockSettings : LockSettings.none();
    this.prefix = b.prefix != null ? b.prefix : DEFAULT_LOCK_NAME_PREFIX;
  }

  /**
   * A builder of a guard whose claims are leases of {@code locks} and whose records live in {@code store}.
   *
   * @param locks the lock client; the guard does not close it
   * @param store the store
   * @return a new builder
   * @throws IllegalArgumentException if either is null
   */
  public static Builder builder(LockClient locks, IdempotencyStore store) {
    return new Builder(Checks.notNull(locks, "locks"), Checks.notNull(store, "store"));
  }

  /**
   * Runs {@code action} once for {@code key}, or replays the outcome of the request that ran it.
   *
   * @param <R> the result type
   * @param key the key
   * @param fingerprint what the request was (see {@link Fingerprints}); 0 to {@value #MAX_FINGERPRINT_LENGTH}
   *     chars, no control characters; a request with the key and another fingerprint is refused
   * @param codec stores the result and decodes it for a replay
   * @param action the work
   * @return the action's result, or the stored result of the request that ran it
   * @throws ReplayedFailureException if the request that ran it failed with a stored failure
   * @throws FingerprintMismatchException if the key was used by a request with another fingerprint
   * @throws RequestInProgressException if another request holds the claim and the duplicate policy's wait (if
   *     any) is over
   * @throws ClaimLostException if the action ran but its claim was taken over before its outcome was stored
   * @throws IdempotentActionException if the action threw a checked exception (the cause), other than
   *     {@code InterruptedException}; unchecked ones and errors pass through as they are
   * @throws InterruptedException if interrupted while waiting for the claim (nothing ran, nothing was written),
   *     or if the action threw it (the claim was given up)
   * @throws IdempotencyStoreException if the store could not be reached
   * @throws dev.lockkit.LockBackendException if the lock server could not be reached
   * @throws IllegalArgumentException if an argument is null or the fingerprint breaks its rules, naming it
   * @throws IllegalStateException if the action returned null, or the lock client is closed
   */
  public <R> R execute(IdempotencyKey key, String fingerprint, OutcomeCodec<R> codec, IdempotentAction<R> action)
      throws InterruptedException {
    Checks.notNull(key, "key");
    Checks.text(fingerprint, "fingerprint", 0, MAX_FINGERPRINT_LENGTH);
    Checks.notNull(codec, "codec");
    Checks.notNull(action, "action");
    String storeKey = key.storeKey();
    DistributedLock lock = locks.lock(LockNames.of(prefix, key), lockSettings);
    Lease lease = lock.tryAcquire().orElse(null);
    if (lease == null) {
      // held by another request: a completed record needs no lock to be replayed (it never changes again)
      Optional<StoredRecord> found = store.find(storeKey);
      if (found.isPresent()) {
        checkFingerprint(key, found.get(), fingerprint);
        if (found.get().state() == RecordState.COMPLETED) {
          return replay(key, found.get(), codec);
        }
      }
      lease = await(lock, key);
    }
    boolean completed = false;
    try {
      R result = underLease(key, storeKey, fingerprint, codec, action, lease);
      completed = true;
      return result;
    } finally {
      ReleaseOutcome released = lease.release();
      if (released != ReleaseOutcome.RELEASED) {
        // after a successful fenced write the fence proved that nobody took over: the loss cost nothing
        log.debug("The lease of {} (token {}) ended {} on release; {}", key, lease.fencingToken(), released,
            completed ? "its outcome was stored first" : "its request did not complete");
      }
    }
  }

  /**
   * {@link #execute(IdempotencyKey, String, OutcomeCodec, IdempotentAction)} with {@link OutcomeCodec#utf8()}.
   *
   * @param key the key
   * @param fingerprint what the request was
   * @param action the work
   * @return the action's result, or the stored result of the request that ran it
   * @throws InterruptedException as {@code execute} with a codec throws it, and all of its exceptions likewise
   */
  public String execute(IdempotencyKey key, String fingerprint, IdempotentAction<String> action)
      throws InterruptedException {
    return execute(key, fingerprint, OutcomeCodec.utf8(), action);
  }

  private Lease await(DistributedLock lock, IdempotencyKey key) throws InterruptedException {
    Optional<Duration> maxWait = duplicates.maxWait();
    if (maxWait.isEmpty()) {
      throw new RequestInProgressException("Request " + key + " is in progress in another request (failFast)");
    }
    try {
      return lock.acquire(maxWait.get());
    } catch (LockTimeoutException e) {
      throw new RequestInProgressException("Request " + key + " was still in progress in another request after "
          + "waiting " + maxWait.get(), e);
    }
  }

  private <R> R underLease(IdempotencyKey key, String storeKey, String fingerprint, OutcomeCodec<R> codec,
      IdempotentAction<R> action, Lease lease) throws InterruptedException {
    long token = lease.fencingToken();
    ClaimResult claim = store.claim(storeKey, fingerprint, token, retention);
    switch (claim.status()) {
      case COMPLETED:
        return replay(key, claim.existing().orElseThrow(), codec);
      case FINGERPRINT_MISMATCH:
        throw mismatch(key);
      case IN_PROGRESS:
        throw new RequestInProgressException("Request " + key + " is claimed under token "
            + claim.existing().orElseThrow().fence() + ", not smaller than this lease's " + token
            + " (a nested call on the same key, or a lease that was already superseded)");
      case TAKEN_OVER:
        log.info("Taking over request {} from a claim under token {} that ended without an outcome; token {}",
            key, claim.existing().orElseThrow().fence(), token);
        break;
      case CLAIMED:
        break;
    }
    R result;
    try {
      result = action.run(new Claim(key, lease));
    } catch (InterruptedException e) {
      throw abandon(storeKey, token, e);
    } catch (Exception e) {
      throw failed(key, storeKey, token, e);
    } catch (Error e) {
      throw abandon(storeKey, token, e);
    }
    byte[] bytes;
    try {
      Checks.state(result != null, "The action of request %s returned null; return a value the codec encodes", key);
      bytes = codec.encode(result);
    } catch (RuntimeException e) {
      throw abandon(storeKey, token, e);
    } catch (Error e) {
      throw abandon(storeKey, token, e);
    }
    if (!store.complete(storeKey, token, Outcome.success(bytes), retention)) {
      throw new ClaimLostException("The action of request " + key + " ran under token " + token
          + " but its result was not stored: the claim was taken over by a newer request, whose outcome counts",
          token, result, null);
    }
    return result;
  }

  /** Stores the failure or gives up the claim, and returns what to throw. */
  private RuntimeException failed(IdempotencyKey key, String storeKey, long token, Exception e) {
    if (!storeFailures.test(e)) {
      return wrap(key, abandon(storeKey, token, e));
    }
    boolean stored;
    try {
      stored = store.complete(storeKey, token, Failures.outcomeOf(e), retention);
    } catch (RuntimeException storeFailure) {
      log.warn("Could not store the failure of request {} under token {}", key, token, storeFailure);
      e.addSuppressed(storeFailure);
      return wrap(key, e);
    }
    if (!stored) {
      return new ClaimLostException("The action of request " + key + " failed under token " + token
          + " and its failure was not stored: the claim was taken over by a newer request, whose outcome counts",
          token, null, e);
    }
    return wrap(key, e);
  }

  private static RuntimeException wrap(IdempotencyKey key, Exception e) {
    return e instanceof RuntimeException r ? r
        : new IdempotentActionException("The action of request " + key + " failed: " + e, e);
  }

  /** Gives up the claim after {@code e}, which it returns with any failure of the store suppressed in it. */
  private <T extends Throwable> T abandon(String storeKey, long token, T e) {
    try {
      if (!store.abandon(storeKey, token)) {
        log.debug("The claim of {} under token {} was no longer ours to give up", storeKey, token);
      }
    } catch (RuntimeException storeFailure) {
      e.addSuppressed(storeFailure);
    }
    return e;
  }

  private static void checkFingerprint(IdempotencyKey key, StoredRecord record, String fingerprint) {
    if (!record.fingerprint().equals(fingerprint)) {
      throw mismatch(key);
    }
  }

  private static FingerprintMismatchException mismatch(IdempotencyKey key) {
    return new FingerprintMismatchException("Key " + key + " was used before by a request with another fingerprint"
        + "; a key must not be reused for a different request");
  }

  private static <R> R replay(IdempotencyKey key, StoredRecord record, OutcomeCodec<R> codec) {
    Outcome outcome = record.outcome().orElseThrow();
    if (outcome.isSuccess()) {
      return codec.decode(outcome.value());
    }
    throw new ReplayedFailureException("Request " + key + " failed before with " + outcome.failureType() + ": "
        + outcome.failureMessage() + " (replayed, not run again)", outcome.failureType(), outcome.failureMessage());
  }

  /**
   * Where the guard keeps its records.
   *
   * @return the store it was built with
   */
  public IdempotencyStore store() {
    return store;
  }

  /**
   * How long outcomes are replayed (and in-progress records live).
   *
   * @return the retention
   */
  public Duration retention() {
    return retention;
  }

  @Override
  public String toString() {
    return "IdempotencyGuard{retention=" + retention + ", duplicates=" + duplicates + ", lockNamePrefix=" + prefix
        + ", " + lockSettings + '}';
  }

  /** Builds an {@link IdempotencyGuard}. Each option may be set once; unset ones take the defaults. */
  public static final class Builder {
    private final LockClient locks;
    private final IdempotencyStore store;
    private @Nullable Duration retention;
    private @Nullable DuplicatePolicy duplicates;
    private @Nullable Predicate<? super Exception> storeFailures;
    private @Nullable LockSettings lockSettings;
    private @Nullable String prefix;

    private Builder(LockClient locks, IdempotencyStore store) {
      this.locks = locks;
      this.store = store;
    }

    /**
     * How long a stored outcome is replayed, counted from when it was stored; also how long an in-progress
     * record lives. Independent of the lease time. Default {@link IdempotencyGuard#DEFAULT_RETENTION}.
     *
     * @param retention at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if null or shorter than 1 ms
     * @throws IllegalStateException if already set
     */
    public Builder retention(Duration retention) {
      Checks.state(this.retention == null, "retention was already set to %s", this.retention);
      this.retention = Checks.atLeastOneMilli(retention, "retention");
      return this;
    }

    /**
     * What a request does while another holds its key's claim. Default {@code
     * DuplicatePolicy.waitAtMost(}{@link IdempotencyGuard#DEFAULT_MAX_WAIT}{@code )}.
     *
     * @param duplicates the policy
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder duplicates(DuplicatePolicy duplicates) {
      Checks.state(this.duplicates == null, "duplicates was already set to %s", this.duplicates);
      this.duplicates = Checks.notNull(duplicates, "duplicates");
      return this;
    }

    /**
     * Which failures of the action are outcomes, stored and replayed (as {@link ReplayedFailureException}) like
     * results: a declined payment, a validation error. Any other failure gives the claim up, so that a retry
     * runs the action again: a timeout, an unreachable database. An {@code InterruptedException} is never
     * stored. Default: none is stored.
     *
     * @param storeFailures true for the failures to store
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder storeFailures(Predicate<? super Exception> storeFailures) {
      Checks.state(this.storeFailures == null, "storeFailures was already set");
      this.storeFailures = Checks.notNull(storeFailures, "storeFailures");
      return this;
    }

    /**
     * Settings of the claims' locks over the client's options: their lease time, renewal. Default {@link
     * LockSettings#none()}. With renewal on (lockkit's default) a claim lasts as long as its action runs
     * and its process lives; with renewal off, an action running past the lease time may be taken over.
     *
     * @param lockSettings the settings
     * @return this builder
     * @throws IllegalArgumentException if null
     * @throws IllegalStateException if already set
     */
    public Builder lockSettings(LockSettings lockSettings) {
      Checks.state(this.lockSettings == null, "lockSettings was already set to %s", this.lockSettings);
      this.lockSettings = Checks.notNull(lockSettings, "lockSettings");
      return this;
    }

    /**
     * The first segments of the claims' lock names. Default {@value IdempotencyGuard#DEFAULT_LOCK_NAME_PREFIX}.
     *
     * @param lockNamePrefix 1 to 50 chars: lock-name segments (letters, digits, any of {@code _-.:@=+#,~!})
     *     separated by {@code /}
     * @return this builder
     * @throws IllegalArgumentException if null or breaking those rules
     * @throws IllegalStateException if already set
     */
    public Builder lockNamePrefix(String lockNamePrefix) {
      Checks.state(this.prefix == null, "lockNamePrefix was already set to %s", this.prefix);
      this.prefix = LockNames.checkPrefix(lockNamePrefix);
      return this;
    }

    /**
     * Builds the guard. The lock settings are checked against the client's options here, naming the setting
     * that does not fit.
     *
     * @return the guard
     * @throws IllegalArgumentException if the lock settings do not fit the client's options
     */
    public IdempotencyGuard build() {
      if (lockSettings != null) {
        lockSettings.over(locks.options());
      }
      return new IdempotencyGuard(this);
    }
  }
}
