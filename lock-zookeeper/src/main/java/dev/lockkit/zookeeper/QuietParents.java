package dev.lockkit.zookeeper;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * What lets a client re-acquire a lock it has just released with the create alone, without reading the queue.
 *
 * <p>The server numbers the sequential children of a parent uniquely and in increasing order, until its
 * counter is used up (see {@link LockNodes#sequence}; an acquisition then wins nothing). A lease won
 * with sequence {@code s} held the lock: no lock node below {@code s} was left, and none can come back. If
 * this client's next create under the same parent gets {@code s + 1}, no sequential node was created between
 * the two creates, so nothing is ahead of the new node: it holds the lock, and the children read an
 * acquisition otherwise waits for is not needed. Where the server numbers otherwise (a release that moves the
 * counter too), the next create never gets {@code s + 1} and the queue is read as usual.
 *
 * <p>"The same parent" is the condition: a parent that was deleted (the server reaps empty container parents)
 * and created again restarts its numbering. A parent cannot go while our node is its child, so a data watch
 * set on it while that node exists, answered before the node's delete is sent, sees every later deletion;
 * and ZooKeeper delivers the event to the session before the answer to any later request, so the create's
 * answer is judged after it. Any event on the watch (a deletion, a data change, a connection event) disarms
 * it, and so does an event between sending the watching read and its answer; a later release arms it again.
 *
 * <p>Cost: the watching read, one round trip before the delete, on the second release of a lock within recent
 * memory (one-off lock names never pay it) and after each event; at most {@link #MAX_WATCHED} parents, each
 * forgotten when its watch fires for the parent itself (deleted: the server reaps it once empty).
 */
final class QuietParents {
  static final int MAX_WATCHED = 10_000;
  /** Slots of the lossy memory of recently released lock paths. */
  private static final int RECENT = 1024;

  private final ConcurrentHashMap<String, Parent> watched = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<@Nullable String> recent = new AtomicReferenceArray<>(RECENT);
  private final LongAdder quickWins = new LongAdder();

  /**
   * The parent of {@code lockPath} to (re)arm before deleting a node of it, if it should be now: known and
   * disarmed, or else released before within recent memory while fewer than {@link #MAX_WATCHED} are known.
   */
  @Nullable Parent toWatch(String lockPath) {
    Parent known = watched.get(lockPath);
    if (known != null) {
      return known.armed() ? null : known;
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
    return parent.claim();
  }

  /** Acquisitions that won with the create alone, since the client started (for tests). */
  long quickWins() {
    return quickWins.sum();
  }

  void wonQuickly() {
    quickWins.increment();
  }

  /**
   * What an acquisition may expect: the sequence its create gets if it holds the lock at once, as long as the
   * watch that was armed when it claimed has seen no event (armed again since is not the same: the parent may
   * have been created again in between, unseen by a session that expired).
   */
  record Claim(Parent parent, long expectedSequence, int eventsWhenClaimed) {
    /** True if the create, answered with {@code sequence}, won the lock: judge on the ZooKeeper event thread. */
    boolean wins(long sequence) {
      return sequence == expectedSequence && parent.armedSince(eventsWhenClaimed);
    }
  }

  /**
   * One watched parent: its watch (one watcher object for the parent's life, so that re-arming it does not pile
   * watchers up in the ZooKeeper client), and the sequence our next create there gets if no one else created.
   */
  final class Parent implements Watcher {
    private final String lockPath;
    /** Events on the watch so far; a watching read's answer arms it only if none came since the read was sent. */
    private int events;
    private boolean armed;
    private long next = -1;

    Parent(String lockPath) {
      this.lockPath = lockPath;
    }

    /** Read before sending the watching read, handed back to {@link #confirmed} with its answer. */
    synchronized int events() {
      return events;
    }

    /**
     * The server answered the watching read, sent while our node was the parent's child and answered before
     * that node's delete was sent: the watch is set on the parent that node is in, unless an event came since.
     */
    synchronized void confirmed(int eventsWhenSent) {
      armed = events == eventsWhenSent;
    }

    /** The watching read failed: the parent's numbering is not known. */
    synchronized void failed() {
      disarm();
    }

    synchronized boolean armed() {
      return armed;
    }

    /** Armed, and no event since {@code eventsThen} was read. */
    synchronized boolean armedSince(int eventsThen) {
      return armed && events == eventsThen;
    }

    private synchronized void released(long sequence) {
      if (armed) {
        next = sequence + 1;
      }
    }

    private synchronized @Nullable Claim claim() {
      long claimed = armed ? next : -1;
      next = -1;
      return claimed < 0 ? null : new Claim(this, claimed, events);
    }

    private void disarm() {
      events++;
      armed = false;
      next = -1;
    }

    /** On the ZooKeeper event thread, in order with the answers of the session's requests. */
    @Override
    public void process(WatchedEvent event) {
      synchronized (this) {
        disarm();
      }
      if (event.getType() != Event.EventType.None) {
        watched.remove(lockPath, this); // the server dropped the watch as it fired: a new one if armed again
      }
      // a connection event leaves the watcher registered (the client sets it again on reconnecting): kept
    }

    @Override
    public synchronized String toString() {
      return "Parent{" + lockPath + ", next=" + next + (armed ? "" : ", disarmed") + '}';
    }
  }
}
