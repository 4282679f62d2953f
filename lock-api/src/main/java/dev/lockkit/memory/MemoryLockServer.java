package dev.lockkit.memory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The lock server of one memory store: what Redis would hold, with the same rules. Every method runs under
 * the server's monitor and never calls out while holding it; the waiter hand-offs it decides are returned
 * for the caller to complete outside.
 */
final class MemoryLockServer {
  private record Entry(String owner, long expiresAtNanos) {}

  private final String store;
  private final Map<String, Entry> locks = new HashMap<>();
  private final Map<String, Long> fences = new HashMap<>();
  private final Map<String, ArrayDeque<MemoryBackend.Waiter>> waiters = new HashMap<>();

  MemoryLockServer(String store) {
    this.store = store;
  }

  String store() {
    return store;
  }

  /** Takes the lock for the owner if free (or expired); the new fencing token, or -1 if held by another. */
  synchronized long tryTake(String key, String owner, long leaseNanos) {
    long now = System.nanoTime();
    Entry current = live(key, now);
    if (current != null) {
      return -1;
    }
    locks.put(key, new Entry(owner, now + leaseNanos));
    long fence = fences.getOrDefault(key, 0L) + 1;
    fences.put(key, fence);
    return fence;
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
