package dev.lockkit.idempotency.memory;

import dev.lockkit.idempotency.internal.Checks;
import dev.lockkit.idempotency.spi.ClaimResult;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import dev.lockkit.idempotency.spi.Outcome;
import dev.lockkit.idempotency.spi.RecordState;
import dev.lockkit.idempotency.spi.StoredRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in this JVM's memory: every operation is one atomic {@code compute} on a
 * concurrent map. Nothing survives the JVM, and nothing is shared with other processes: for tests, and for one
 * process using lockkit's {@code memory:} backend.
 *
 * <p>Expiry is lazy, on the store's monotonic clock: an expired entry is treated as absent by every method and
 * dropped when its key is next written, and every {@value #SWEEP_EVERY} writes the whole store is swept. There
 * is no background thread.
 */
public final class MemoryIdempotencyStore implements IdempotencyStore {
  /** How many writes pass between two sweeps of expired entries. */
  public static final int SWEEP_EVERY = 1024;

  private record Entry(StoredRecord record, long expiresAtNanos) {}

  private record Token(boolean used, long expiresAtNanos) {}

  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Entry> records = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();
  private final AtomicInteger writes = new AtomicInteger();

  /** A store on {@link System#nanoTime()}. */
  public MemoryIdempotencyStore() {
    this(System::nanoTime);
  }

  /**
   * A store on the given clock, for tests that move time themselves.
   *
   * @param nanoTime a monotonic clock in nanoseconds, as {@link System#nanoTime()}: only differences count
   * @throws IllegalArgumentException if {@code nanoTime} is null
   */
  public MemoryIdempotencyStore(LongSupplier nanoTime) {
    this.nanoTime = Checks.notNull(nanoTime, "nanoTime");
  }

  @Override
  public ClaimResult claim(String key, String fingerprint, long fence, Duration ttl) {
    check(key, fence, ttl, "ttl");
    Checks.notNull(fingerprint, "fingerprint");
    long now = nanoTime.getAsLong();
    AtomicReference<@Nullable ClaimResult> result = new AtomicReference<>();
    records.compute(key, (k, entry) -> {
      Entry live = live(entry, now);
      ClaimResult decided = ClaimResult.decide(live != null ? live.record() : null, fingerprint, fence);
      result.set(decided);
      return decided.isClaimed() ? new Entry(StoredRecord.inProgress(fingerprint, fence), deadline(now, ttl)) : live;
    });
    wrote();
    return Checks.notNull(result.get(), "claim result");
  }

  @Override
  public boolean complete(String key, long fence, Outcome outcome, Duration retention) {
    check(key, fence, retention, "retention");
    Checks.notNull(outcome, "outcome");
    long now = nanoTime.getAsLong();
    boolean[] done = new boolean[1];
    records.compute(key, (k, entry) -> {
      Entry live = live(entry, now);
      if (live != null && live.record().state() == RecordState.COMPLETED && live.record().fence() == fence) {
        done[0] = true; // this claim's outcome is stored already
        return live;
      }
      if (live == null || !isClaimOf(live.record(), fence)) {
        return live;
      }
      done[0] = true;
      return new Entry(StoredRecord.completed(live.record().fingerprint(), fence, outcome), deadline(now, retention));
    });
    wrote();
    return done[0];
  }

  @Override
  public boolean abandon(String key, long fence) {
    Checks.notNull(key, "key");
    Checks.argument(fence > 0, "fence must be positive, was %s", fence);
    long now = nanoTime.getAsLong();
    boolean[] done = new boolean[1];
    records.compute(key, (k, entry) -> {
      Entry live = live(entry, now);
      if (live == null || !isClaimOf(live.record(), fence)) {
        return live;
      }
      done[0] = true;
      return null;
    });
    return done[0];
  }

  @Override
  public Optional<StoredRecord> find(String key) {
    Checks.notNull(key, "key");
    Entry live = live(records.get(key), nanoTime.getAsLong());
    return Optional.ofNullable(live).map(Entry::record);
  }

  @Override
  public boolean issueToken(String key, Duration ttl) {
    Checks.notNull(key, "key");
    Checks.atLeastOneMilli(ttl, "ttl");
    long now = nanoTime.getAsLong();
    boolean[] done = new boolean[1];
    tokens.compute(key, (k, token) -> {
      if (token != null && now - token.expiresAtNanos() < 0) {
        return token;
      }
      done[0] = true;
      return new Token(false, deadline(now, ttl));
    });
    wrote();
    return done[0];
  }

  @Override
  public ConsumeResult consumeToken(String key) {
    Checks.notNull(key, "key");
    long now = nanoTime.getAsLong();
    ConsumeResult[] result = new ConsumeResult[1];
    tokens.compute(key, (k, token) -> {
      if (token == null || now - token.expiresAtNanos() >= 0) {
        result[0] = ConsumeResult.UNKNOWN;
        return null;
      }
      result[0] = token.used() ? ConsumeResult.ALREADY_USED : ConsumeResult.CONSUMED;
      return new Token(true, token.expiresAtNanos());
    });
    return result[0];
  }

  /** How many entries (records and tokens, expired ones not yet dropped included) the store holds. */
  int size() {
    return records.size() + tokens.size();
  }

  private static boolean isClaimOf(StoredRecord record, long fence) {
    return record.state() == RecordState.IN_PROGRESS && record.fence() == fence;
  }

  private static @Nullable Entry live(@Nullable Entry entry, long now) {
    return entry != null && now - entry.expiresAtNanos() < 0 ? entry : null;
  }

  private static long deadline(long now, Duration ttl) {
    long nanos = ttl.getSeconds() >= Long.MAX_VALUE / 4_000_000_000L ? Long.MAX_VALUE / 4 : ttl.toNanos();
    return now + nanos; // differences of nanoTime values stay exact for any ttl below about 73 years
  }

  private void wrote() {
    if (writes.incrementAndGet() % SWEEP_EVERY == 0) {
      long now = nanoTime.getAsLong();
      sweep(records, e -> now - e.expiresAtNanos() >= 0);
      sweep(tokens, t -> now - t.expiresAtNanos() >= 0);
    }
  }

  private static <V> void sweep(Map<String, V> map, java.util.function.Predicate<V> expired) {
    // entrySet().removeIf removes an entry only if it still holds the value tested (ConcurrentHashMap)
    map.entrySet().removeIf(e -> expired.test(e.getValue()));
  }

  private static void check(String key, long fence, Duration ttl, String what) {
    Checks.notNull(key, "key");
    Checks.argument(fence > 0, "fence must be positive, was %s", fence);
    Checks.atLeastOneMilli(ttl, what);
  }
}
