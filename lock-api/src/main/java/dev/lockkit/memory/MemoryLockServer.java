package dev.lockkit.memory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The lock server of one memory store: what Redis would hold, with the same rules. Every method runs under
 * the server's monitor and never calls out while holding it; the waiter hand-offs it decides are returned
 * for the caller to complete outside.
 *
 * <p>Fences follow Redis' rule: the next token is {@code max(previous + 1, clock)}, the clock here being the
 * microseconds since this class was loaded on the JVM's monotonic clock (which never steps back, so the rule
 * holds without Redis' assumption about the server's clock). That floor is what lets a fence that was not used
 * for {@link #fenceRetentionNanos} be dropped, as Redis drops an idle fence key: the next token of that name is
 * still larger than every one handed out before. Idle fences are dropped when the store is next used, so that
 * a store that saw a million one-off names does not keep a million fences.
 */
final class MemoryLockServer {
  private record Entry(String owner, long expiresAtNanos) {}

  private record Fence(long value, long usedAtNanos) {}

  private static final long ORIGIN_NANOS = System.nanoTime();

  private final String store;
  private final long fenceRetentionNanos;
  private final Map<String, Entry> locks = new HashMap<>();
  /** In order of last use, so that the idle ones are at its head. */
  private LinkedHashMap<String, Fence> fences = newFences();
  /** The most fences kept since {@link #fences} was made: a hash table keeps the size it grew to. */
  private int fencesPeak;
  private final Map<String, ArrayDeque<MemoryBackend.Waiter>> waiters = new HashMap<>();

  MemoryLockServer(String store, long fenceRetentionNanos) {
    this.store = store;
    this.fenceRetentionNanos = fenceRetentionNanos;
  }

  String store() {
    return store;
  }

  long fenceRetentionNanos() {
    return fenceRetentionNanos;
  }

  /** Takes the lock for the owner if free (or expired); the new fencing token, or -1 if held by another. */
  synchronized long tryTake(String key, String owner, long leaseNanos) {
    long now = System.nanoTime();
    dropIdle(now);
    Entry current = live(key, now);
    if (current != null) {
      return -1;
    }
    locks.put(key, new Entry(owner, now + leaseNanos));
    Fence previous = fences.get(key);
    long clock = (now - ORIGIN_NANOS) / 1_000 + 1;
    long fence = Math.max(previous == null ? 0 : previous.value() + 1, clock);
    fences.put(key, new Fence(fence, now));
    fencesPeak = Math.max(fencesPeak, fences.size());
    return fence;
  }

  private static LinkedHashMap<String, Fence> newFences() {
    return new LinkedHashMap<>(16, 0.75f, true);
  }

  /** Fences and Redis-style names kept by the store; for tests that they do not grow without bound. */
  synchronized int namesKept() {
    dropIdle(System.nanoTime());
    return fences.size() + locks.size() + waiters.size();
  }

  // guarded by this
  private void dropIdle(long now) {
    for (Iterator<Map.Entry<String, Fence>> it = fences.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Fence> e = it.next();
      if (now - e.getValue().usedAtNanos() < fenceRetentionNanos) {
        break; // in order of last use: the rest were used later
      }
      it.remove();
      live(e.getKey(), now); // an expired lock of that name goes too, as its key would on Redis
    }
    if (fencesPeak > 1024 && fences.size() < fencesPeak / 8) {
      // most names went idle: a new table, so that the one sized for the peak is not kept for ever
      LinkedHashMap<String, Fence> kept = newFences();
      kept.putAll(fences);
      fences = kept;
      fencesPeak = kept.size();
    }
  }

  /** Nanoseconds until the current holder's lease runs out; 0 if free. */
  synchronized long remainingNanos(String key) {
    long now = System.nanoTime();
    Entry current = live(key, now);
    return current == null ? 0 : current.expiresAtNanos - now;
  }

  synchronized boolean renew(String key, String owner, long leaseNanos) {
    long now = System.nanoTime();
    Entry current = live(key, now);
    if (current == null || !current.owner.equals(owner)) {
      return false;
    }
    locks.put(key, new Entry(owner, now + leaseNanos));
    return true;
  }

  /**
   * Hands the lock of the owner to nobody for {@code keepNanos} (a minimum hold): it stays taken until then
   * and frees itself, as a Redis key with a PEXPIRE does. The waiters to tell are returned, so that they
   * re-check when the kept lock ends rather than when the lease would have (null if the owner no longer held
   * it).
   */
  synchronized @Nullable List<MemoryBackend.Waiter> keep(String key, String owner, long keepNanos) {
    long now = System.nanoTime();
    Entry current = live(key, now);
    if (current == null || !current.owner.equals(owner)) {
      return null;
    }
    locks.put(key, new Entry("kept-after:" + owner, now + keepNanos));
    return waitersOf(key);
  }

  /** Deletes the lock if the owner holds it; the waiters to wake are returned (empty if not released). */
  synchronized @Nullable List<MemoryBackend.Waiter> release(String key, String owner) {
    Entry current = live(key, System.nanoTime());
    if (current == null || !current.owner.equals(owner)) {
      return null;
    }
    locks.remove(key);
    return waitersOf(key);
  }

  synchronized void addWaiter(String key, MemoryBackend.Waiter waiter) {
    waiters.computeIfAbsent(key, k -> new ArrayDeque<>()).add(waiter);
  }

  synchronized void removeWaiter(String key, MemoryBackend.Waiter waiter) {
    ArrayDeque<MemoryBackend.Waiter> queue = waiters.get(key);
    if (queue != null) {
      queue.remove(waiter);
      if (queue.isEmpty()) {
        waiters.remove(key);
      }
    }
  }

  private List<MemoryBackend.Waiter> waitersOf(String key) {
    ArrayDeque<MemoryBackend.Waiter> queue = waiters.get(key);
    return queue == null ? List.of() : new ArrayList<>(queue);
  }

  private @Nullable Entry live(String key, long now) {
    Entry e = locks.get(key);
    if (e != null && now - e.expiresAtNanos >= 0) {
      locks.remove(key);
      return null;
    }
    return e;
  }
}
