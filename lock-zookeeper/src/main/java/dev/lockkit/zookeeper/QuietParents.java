package dev.lockkit.zookeeper;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * What lets a client re-acquire a lock it has just released with the create alone, without reading the queue.
 *
 * <p>The server numbers the sequential children of a parent uniquely and in increasing order. A lease won
 * with sequence {@code s} held the lock: no lock node below {@code s} was left, and none can come back. If
 * this client's next create under the same parent gets {@code s + 1}, no sequential node was created between
 * the two creates, so nothing is ahead of the new node: it holds the lock, and the children read an
 * acquisition otherwise waits for is not needed. Where the server numbers otherwise (a release that moves the
 * counter too), the next create never gets {@code s + 1} and the queue is read as usual.
 *
 * <p>"The same parent" is the condition: a parent that was deleted (the server reaps empty container parents)
 * and created again restarts its numbering. A parent cannot go while our node is its child, so a data watch
 * set on it before that node's delete sees every later deletion, and ZooKeeper delivers the event to the
 * session before the answer to any later request: the create's answer is judged after it. Any event on the
 * watch (deletion, a data change, or a connection event) ends its use; the next acquisition reads the queue.
 *
 * <p>Cost: one watch per parent, set (one request, pipelined before the delete) on the second release of a
 * lock within recent memory, so one-off lock names never pay for it; at most {@link #MAX_WATCHED} of them,
 * each gone when its parent is reaped.
 */
final class QuietParents {
  static final int MAX_WATCHED = 10_000;
  /** Slots of the lossy memory of recently released lock paths. */
  private static final int RECENT = 1024;

  private final ConcurrentHashMap<String, Parent> watched = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<@Nullable String> recent = new AtomicReferenceArray<>(RECENT);
  private final LongAdder quickWins = new LongAdder();

  /**
   * The parent of {@code lockPath} to watch before deleting a node of it, if it should be watched now: not
   * yet watched, released before within recent memory, fewer than {@link #MAX_WATCHED} watched.
   */
  @Nullable Parent toWatch(String lockPath) {
    if (watched.containsKey(lockPath)) {
      return null;
    }
    int slot = Math.floorMod(lockPath.hashCode(), RECENT);
    if (!lockPath.equals(recent.getAndSet(slot, lockPath)) || watched.size() >= MAX_WATCHED) {
      return null; // a first sighting is only remembered
    }
    Parent fresh = new Parent(lockPath);
    return watched.putIfAbsent(lockPath, fresh) == null ? fresh : null;
  }

  /** Our node of sequence {@code sequence} under {@code lockPath} was deleted by our release. */
  void released(String lockPath, long sequence) {
    Parent parent = watched.get(lockPath);
    if (parent != null && sequence >= 0) {
      parent.released(sequence);
    }
  }

  /** The watched parent of {@code lockPath} whose next create may win alone, its expected sequence claimed. */
  @Nullable Claim claim(String lockPath) {
    Parent parent = watched.get(lockPath);
    if (parent == null) {
      return null;
    }
    long expected = parent.claim();
    return expected < 0 ? null : new Claim(parent, expected);
  }

  /** Acquisitions that won with the create alone, since the client started. */
  long quickWins() {
    return quickWins.sum();
  }

  void wonQuickly() {
    quickWins.increment();
  }

  /** What an acquisition may expect: the sequence its create gets if it holds the lock at once. */
  record Claim(Parent parent, long expectedSequence) {
    /** True if the create, answered with {@code sequence}, won the lock: judge on the ZooKeeper event thread. */
    boolean wins(long sequence) {
      return sequence == expectedSequence && parent.usable();
    }
  }

  /** One watched parent: its watch, and the sequence our next create there would get if no one else created. */
  final class Parent implements Watcher {
    private final String lockPath;
    private final AtomicLong next = new AtomicLong(-1);
    private volatile boolean confirmed;
    private volatile boolean ended;

    Parent(String lockPath) {
      this.lockPath = lockPath;
    }

    /** The server answered the watching read: the watch is set on the parent our node is in. */
    void confirmed() {
      confirmed = true;
    }

    /** The watch could not be set, or an event came: this parent's numbering is no longer known. */
    void end() {
      ended = true;
      next.set(-1);
      watched.remove(lockPath, this);
    }

    boolean usable() {
      return confirmed && !ended;
    }

    private void released(long sequence) {
      if (usable()) {
        next.set(sequence + 1);
      }
    }

    private long claim() {
      return usable() ? next.getAndSet(-1) : -1;
    }

    @Override
    public void process(WatchedEvent event) {
      end();
    }

    @Override
    public String toString() {
      return "Parent{" + lockPath + ", next=" + next.get() + (usable() ? "" : ", unusable") + '}';
    }
  }
}
