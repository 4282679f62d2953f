package dev.lockkit.zookeeper;

import dev.lockkit.LockBackendException;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * One acquisition: lockkit's queue recipe on Curator's primitives.
 *
 * <ol>
 *   <li>Create an ephemeral-sequential, protected node {@code <lock>/_c_<guid>-lock-<seq>} holding the owner
 *       token, container parents created as needed, its {@link Stat} kept: its {@code czxid} is the fencing
 *       token. The parent's children are asked for right behind the create, on the same session, so the
 *       server answers them in order and an uncontended acquisition costs one round trip.
 *   <li>Re-acquiring a lock this client released moments before, the create is sent alone: if the server
 *       numbers it right after our released node, it holds the lock at once (see {@link QuietParents}); if not,
 *       the children are read after it.
 *   <li>The first node in sequence order holds the lock. A non-waiting attempt that is not first deletes its
 *       node and completes with null. A waiting one watches only its predecessor ({@code getData} with a
 *       watch), and only this acquisition's watcher fires when the predecessor goes; then back to step 2.
 *       A fallback re-read every {@link #RECHECK_NANOS} bounds the cost of a lost notification.
 *   <li>First in the queue, it holds the lock unless a keeper (a minimum hold, see {@link ZkLease#releaseKeeping})
 *       has not ended yet: see {@link #checkKeepers}.
 * </ol>
 *
 * <p>Every request is bounded by the command timeout; no answer fails the acquisition with
 * {@link LockBackendException}. Whenever the acquisition ends without a lease (failure, the caller's cancel or
 * timeout, a non-waiting miss), its node is deleted, also if the create answers only afterwards. Callbacks
 * run on the ZooKeeper event thread and never block; the future is completed there too (the lockkit client
 * chains nothing on it that waits).
 */
final class ZkAcquisition implements Watcher {
  private static final int OK = KeeperException.Code.OK.intValue();
  private static final int NONODE = KeeperException.Code.NONODE.intValue();
  static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** Creates tried when container parents vanish under the create; more would mean something else is wrong. */
  private static final int MAX_CREATES = 10;

  private final ZooKeeperBackend backend;
  private final AcquireRequest request;
  private final String lockPath;
  private final CompletableFuture<BackendLease> future = new CompletableFuture<>();
  private final Stat createStat = new Stat();
  /** Set once the outcome is decided (lease, null, failure, or the caller gave up): no more steps. */
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicBoolean nodeDeleted = new AtomicBoolean();
  private final AtomicInteger creates = new AtomicInteger();
  /** Set once the first complete attempt found a predecessor and told the client ({@code seenHeld}). */
  private final AtomicBoolean toldHeld = new AtomicBoolean();
  /** The nanoTime before the create (and the children read pipelined behind it) was sent. */
  private long sentAtNanos;
  /** Set if the create was sent alone, expecting to win without the children read. */
  private volatile QuietParents.@Nullable Claim claim;

  private volatile @Nullable String ourPath;
  private volatile @Nullable ZkLease won;
  private volatile @Nullable ScheduledFuture<?> recheck;
  /**
   * The predecessor watched while it was first in the queue with no keeper beside it, or null: its delete leaves
   * the lock to us ({@link #process}).
   */
  private volatile @Nullable String headPredecessor;

  // the pipelined children read, guarded by this
  private boolean created;
  private boolean earlyAnswered;
  private @Nullable List<String> earlyChildren;
  private @Nullable CompletableFuture<CuratorEvent> earlyRead;
  private long czxid;
  private long sessionId;
  /** Our node's ctime: the server's clock when it was created, which {@link #createdAtNanos} follows. */
  private long ctime;
  /** The nanoTime when the create (or the read of our node) was answered: the server had stamped ctime by then. */
  private long createdAtNanos;

  ZkAcquisition(ZooKeeperBackend backend, AcquireRequest request, String lockPath) {
    this.backend = backend;
    this.request = request;
    this.lockPath = lockPath;
  }

  CompletableFuture<BackendLease> start() {
    backend.waiting(this);
    future.whenComplete((lease, failure) -> {
      if (lease == null) {
        // a miss, a failure, or the caller gave up first (timeout, interrupt, close)
        finished.set(true);
        cleanUp();
      }
    });
    sentAtNanos = System.nanoTime();
    claim = backend.quietParents().claim(lockPath);
    create();
    if (claim != null) {
      return future; // created(...) decides, reading the children only if the create's number says to
    }
    // pipelined: answered after the create, unless the create had to make the parents first
    CompletableFuture<CuratorEvent> early =
        backend.connection().call(cb -> backend.curator().getChildren().inBackground(cb).forPath(lockPath));
    boolean createAnswered;
    synchronized (this) {
      earlyRead = early;
      createAnswered = created;
    }
    if (createAnswered) {
      boundEarlyRead(early); // the create answered before the read was stored here
    }
    early.whenComplete((event, failure) -> earlyChildren(failure == null && event.getResultCode() == OK
        ? event.getChildren() : null));
    return future;
  }

  private void create() {
    byte[] token = request.ownerToken().getBytes(StandardCharsets.UTF_8);
    CompletableFuture<CuratorEvent> create = backend.connection().call(cb -> backend.curator().create()
        .storingStatIn(createStat)
        .creatingParentContainersIfNeeded()
        .withProtection()
        .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .inBackground(cb)
        .forPath(LockNodes.nodePath(lockPath), token));
    bound(create, "creating a node of lock '" + request.name() + "'");
    create.whenComplete((event, failure) -> {
      if (failure != null) {
        fail(backend.connection().failure("creating a node of lock '" + request.name() + "'", failure));
      } else {
        created(event);
      }
    });
  }

  private void created(CuratorEvent event) {
    if (event.getResultCode() == NONODE && creates.incrementAndGet() < MAX_CREATES && !finished.get()) {
      // The server reaped an empty container parent while Curator was making the missing parents (it makes
      // them level by level below the deepest one that exists): nothing was created, so simply try again.
      create();
      return;
    }
    if (event.getResultCode() != OK) {
      fail(backend.connection().failure("creating a node of lock '" + request.name() + "'", event));
      return;
    }
    String path = event.getName();
    ourPath = path;
    if (finished.get()) {
      cleanUp(); // the caller gave up while the create was under way
      return;
    }
    if (createStat.getCzxid() != 0) {
      createdWith(createStat, true);
      return;
    }
    // Curator found our protected node after a connection loss and has no Stat of it: read it
    CompletableFuture<CuratorEvent> read =
        backend.connection().call(cb -> backend.curator().checkExists().inBackground(cb).forPath(path));
    bound(read, "reading the node of lock '" + request.name() + "'");
    read.whenComplete((e, failure) -> {
      if (failure != null) {
        fail(backend.connection().failure("reading the node of lock '" + request.name() + "'", failure));
      } else if (e.getResultCode() != OK || e.getStat() == null) {
        fail(new LockBackendException("the node of lock '" + request.name() + "' vanished right after its create "
            + "(session expired?) on " + backend.describe(), null));
      } else {
        createdWith(e.getStat(), false);
      }
    });
  }

  /** {@code answered}: the Stat is the create's own answer, not a read of a node Curator found again. */
  private void createdWith(Stat stat, boolean answered) {
    long session = backend.sessionId();
    if (stat.getEphemeralOwner() != session) {
      // a node of an earlier session never counts as ours: it goes when that session's expiry is processed
      fail(new LockBackendException("the ZooKeeper session changed while acquiring lock '" + request.name()
          + "' on " + backend.describe(), null));
      return;
    }
    @Nullable CompletableFuture<CuratorEvent> pending;
    synchronized (this) {
      czxid = stat.getCzxid();
      sessionId = session;
      ctime = stat.getCtime();
      createdAtNanos = System.nanoTime();
      created = true;
      pending = earlyRead; // null if start() has not stored it yet: start() then sees created, and bounds it
    }
    QuietParents.Claim quick = claim;
    if (quick != null) {
      // No children read was sent. On the event thread: a watch event on the parent sent before this answer
      // has been processed already. A node found again after a connection loss is judged by reading the queue.
      String path = java.util.Objects.requireNonNull(ourPath);
      long sequence = LockNodes.sequence(LockNodes.nodeName(path));
      if (answered && LockNodes.ordered(sequence) && quick.wins(sequence)) {
        backend.quietParents().wonQuickly();
        win(path, true, sentAtNanos);
      } else {
        readChildren();
      }
      return;
    }
    boolean readAnswered;
    List<String> early;
    synchronized (this) {
      readAnswered = earlyAnswered;
      early = earlyChildren;
    }
    if (readAnswered) {
      decideOrReread(early, sentAtNanos);
    } else if (pending != null) {
      boundEarlyRead(pending); // the pipelined read is still under way and decides
    }
  }

  private void earlyChildren(@Nullable List<String> children) {
    synchronized (this) {
      if (!created) {
        earlyAnswered = true;
        earlyChildren = children;
        return; // created(...) decides once the create has answered
      }
    }
    decideOrReread(children, sentAtNanos);
  }

  /**
   * Bounds the pipelined children read from the create's answer on: both were sent together, but only a read
   * still missing once the create has answered leaves the acquisition waiting.
   */
  private void boundEarlyRead(CompletableFuture<CuratorEvent> read) {
    bound(read, "reading the queue of lock '" + request.name() + "'");
  }

  /**
   * Decides on a children list if it was read after our node existed, else reads it again. {@code readSentAt}:
   * the nanoTime before the read was sent (the pipelined read: before the create, which went just ahead of it).
   */
  private void decideOrReread(@Nullable List<String> children, long readSentAt) {
    String path = ourPath;
    if (children != null && path != null && children.contains(LockNodes.nodeName(path))) {
      decide(children, readSentAt);
    } else {
      readChildren();
    }
  }

  private void readChildren() {
    if (finished.get()) {
      return;
    }
    long sentAt = System.nanoTime(); // a win this read decides starts here, not at the create: we may have waited
    CompletableFuture<CuratorEvent> read =
        backend.connection().call(cb -> backend.curator().getChildren().inBackground(cb).forPath(lockPath));
    bound(read, "reading the queue of lock '" + request.name() + "'");
    read.whenComplete((event, failure) -> {
      if (failure != null) {
        fail(backend.connection().failure("reading the queue of lock '" + request.name() + "'", failure));
      } else if (event.getResultCode() == OK) {
        decide(event.getChildren(), sentAt);
      } else if (event.getResultCode() == NONODE) {
        lostOurNode();
      } else {
        fail(backend.connection().failure("reading the queue of lock '" + request.name() + "'", event));
      }
    });
  }

  /** Judges the queue, read by a request sent at {@code readSentAt}: win, miss, or watch the predecessor. */
  private void decide(List<String> children, long readSentAt) {
    if (finished.get()) {
      return;
    }
    String path = java.util.Objects.requireNonNull(ourPath);
    List<LockNodes.Node> queue = LockNodes.queue(children);
    int index = LockNodes.indexOf(queue, LockNodes.nodeName(path));
    headPredecessor = null; // as of this read, until it says otherwise
    if (index < 0) {
      lostOurNode();
    } else if (LockNodes.exhausted(queue)) {
      exhausted();
    } else if (index == 0) {
      List<String> keepers = LockNodes.keepers(children);
      if (keepers.isEmpty()) {
        win(path, queue.size() == 1, readSentAt);
      } else {
        checkKeepers(keepers, queue.size() == 1, readSentAt);
      }
    } else if (held()) {
      String predecessor = lockPath + "/" + queue.get(index - 1).name();
      headPredecessor = index == 1 && LockNodes.keepers(children).isEmpty() ? predecessor : null;
      watch(predecessor);
    }
  }

  /**
   * The lock is held by another node or a keeper: a non-waiting attempt misses (false); a waiting one is told
   * the client once, and waits (true).
   */
  private boolean held() {
    if (!request.waits()) {
      finish(() -> future.complete(null));
      return false;
    }
    if (toldHeld.compareAndSet(false, true)) {
      request.events().seenHeld(); // a timed acquire may now time out as "stayed held"
    }
    return true;
  }

  /**
   * First in the queue, with keepers beside our node: the lock stays held while one of them has not ended. Each
   * is read (a waiting acquisition leaves a watch on it, so that its delete wakes it).
   *
   * <p>A keeper ends at its {@code ctime} plus its keep, on the server's clock. That end is set against our
   * node's {@code ctime}, the server's clock when our node was created, and then counted on this client's
   * monotonic clock from the create's answer, by which the server had stamped it: the wall clocks of this client
   * and of the server never meet, and the end is not judged earlier than the server would. It is never judged
   * later than the keep counted from the read's answer either (the keeper existed by then), which bounds the
   * wait if the server's clock stepped. Keepers that have ended are deleted (once: whatever is left, the next
   * contender deletes; one whose client died has no one else to) and the lock is won; else the acquisition
   * misses, or waits for the delete or the end, whichever comes first, and reads the queue again.
   */
  private void checkKeepers(List<String> keepers, boolean alone, long readSentAt) {
    boolean waits = request.waits();
    List<CompletableFuture<CuratorEvent>> reads = new ArrayList<>(keepers.size());
    for (String keeper : keepers) {
      String keeperPath = lockPath + "/" + keeper;
      CompletableFuture<CuratorEvent> read = backend.connection().call(cb -> {
        if (waits) {
          backend.curator().getData().usingWatcher(this).inBackground(cb).forPath(keeperPath);
        } else {
          backend.curator().getData().inBackground(cb).forPath(keeperPath);
        }
      });
      bound(read, "reading the keeper " + keeper + " of lock '" + request.name() + "'");
      reads.add(read);
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).whenComplete((ignored, failure) -> {
      if (failure != null) {
        fail(backend.connection().failure("reading the keepers of lock '" + request.name() + "'", failure));
      } else {
        judgeKeepers(reads, alone, readSentAt);
      }
    });
  }

  private void judgeKeepers(List<CompletableFuture<CuratorEvent>> reads, boolean alone, long readSentAt) {
    if (finished.get()) {
      return;
    }
    long now = System.nanoTime();
    long serverAtCreate;
    long createdAt;
    synchronized (this) {
      serverAtCreate = ctime;
      createdAt = createdAtNanos;
    }
    long heldFor = 0;
    for (CompletableFuture<CuratorEvent> read : reads) {
      CuratorEvent event = read.join();
      if (event.getResultCode() == NONODE) {
        continue; // deleted since the queue was read: ended
      }
      if (event.getResultCode() != OK) {
        fail(backend.connection().failure("reading the keeper " + event.getPath() + " of lock '" + request.name()
            + "'", event));
        return;
      }
      long keep = LockNodes.keepMillis(event.getData());
      // + 1: both ctimes are whole ms, cut off, so the keeper may have come up to 1 ms later than it says
      long afterCreate = LockNodes.keptMillisAfter(event.getStat().getCtime(), keep, serverAtCreate) + 1;
      long left = keep == 0 || afterCreate <= 0 ? 0
          : Math.min(createdAt - now + TimeUnit.MILLISECONDS.toNanos(afterCreate), TimeUnit.MILLISECONDS.toNanos(keep));
      if (left > 0) {
        heldFor = Math.max(heldFor, left);
      } else {
        backend.deleteOnce(event.getPath());
      }
    }
    if (heldFor == 0) {
      win(java.util.Objects.requireNonNull(ourPath), alone, readSentAt);
      return;
    }
    if (held()) {
      scheduleRecheck(Math.min(heldFor, RECHECK_NANOS));
    }
  }

  /**
   * The parent's sequence counter is used up (2<sup>31</sup> - 1 creates under it), so the queue has no order
   * to trust: fail rather than risk a second holder. Our node goes (clean-up), and then a delete of the parent
   * is tried, which succeeds once no other node is left in it; the next create makes it again, counting from 0.
   */
  private void exhausted() {
    fail(new LockBackendException("lock '" + request.name() + "' cannot be ordered on " + backend.describe()
        + ": the sequence counter of its node " + lockPath + " has reached 2147483647, which ZooKeeper does not "
        + "wrap; acquisitions fail until every node below it is gone and the node is deleted (done by lockkit when "
        + "it finds it empty, and by the server, as it is a container)", null));
    // sent after our node's delete (the session keeps requests in order); refused while other nodes are left
    backend.connection().call(cb -> backend.curator().delete().inBackground(cb).forPath(lockPath));
  }

  /** Watches the predecessor only; if it is already gone, reads the queue again at once. */
  private void watch(String predecessor) {
    scheduleRecheck(RECHECK_NANOS);
    CompletableFuture<CuratorEvent> read = backend.connection().call(cb -> backend.curator().getData()
        .usingWatcher(this).inBackground(cb).forPath(predecessor));
    bound(read, "watching the queue of lock '" + request.name() + "'");
    read.whenComplete((event, failure) -> {
      if (failure != null) {
        fail(backend.connection().failure("watching the queue of lock '" + request.name() + "'", failure));
      } else if (event.getResultCode() == NONODE) {
        readChildren();
      } else if (event.getResultCode() != OK) {
        fail(backend.connection().failure("watching the queue of lock '" + request.name() + "'", event));
      }
      // else: the watch is set; process(...) runs when the predecessor changes or goes
    });
  }

  /**
   * A watch fired (the predecessor's, or a keeper's): on the ZooKeeper event thread, so only a request is sent from
   * here, or the lock won. The delete of a predecessor that was first in the queue with no keeper beside it, when
   * the queue was read, wins the lock without reading it again: only a node numbered below ours could come before
   * us, and none is made after ours; a keeper comes only from the holder's release with a minimum hold, which
   * changes the node's data before it deletes it ({@link ZkLease#releaseKeeping}), so that its watchers hear of a
   * change, not of a delete, and read the queue. So a hand-off is the release's delete and its event, with no
   * request of the waiter's in between. The lease's time starts at the event.
   */
  @Override
  public void process(WatchedEvent event) {
    if (event.getType() == Event.EventType.None || finished.get()) {
      return;
    }
    String head = headPredecessor;
    String path = ourPath;
    if (event.getType() == Event.EventType.NodeDeleted && head != null && head.equals(event.getPath())
        && path != null) {
      win(path, false, System.nanoTime());
    } else {
      readChildren();
    }
  }

  private void scheduleRecheck(long delayNanos) {
    ScheduledFuture<?> previous = recheck;
    if (previous != null) {
      previous.cancel(false);
    }
    recheck = backend.schedule(this::readChildren, delayNanos);
  }

  /**
   * Makes the lease; {@code alone}: no other node was seen in the queue, so a quick re-acquisition may pay.
   * {@code decidedAt}: the nanoTime before the request whose answer decided the win was sent (the create for a
   * quick win, else the children read), where the lease's time starts. Not the acquisition's start: a waiter
   * that waited longer than its lease time would otherwise get a lease that is over already.
   */
  private void win(String path, boolean alone, long decidedAt) {
    long token;
    long session;
    synchronized (this) {
      token = czxid;
      session = sessionId;
    }
    ZkLease lease = new ZkLease(backend, request.name(), path, token, session, decidedAt, request.events(), alone);
    won = lease;
    backend.holding(lease);
    if (!finish(() -> {
      if (!future.complete(lease)) {
        lease.release(); // the caller gave up as the lock was won
      }
    })) {
      lease.release();
    }
  }

  private void lostOurNode() {
    fail(new LockBackendException("the node of lock '" + request.name() + "' vanished while acquiring (session "
        + "expired, or deleted by another client) on " + backend.describe(), null));
  }

  /** Ends the acquisition with a failure; its node, if any, is deleted. */
  void fail(Throwable failure) {
    finish(() -> future.completeExceptionally(failure));
  }

  /**
   * Ends the acquisition once: no more steps. Without a lease, the node's delete is sent before the caller
   * hears of it, so that the session serves it before anything the caller sends next (a miss reported first
   * let the same client's next attempt find its own old node ahead of it).
   */
  private boolean finish(Runnable completion) {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    stopWaiting();
    if (won == null) {
      cleanUp();
    }
    completion.run();
    return true;
  }

  private void stopWaiting() {
    backend.doneWaiting(this);
    ScheduledFuture<?> r = recheck;
    if (r != null) {
      r.cancel(false);
    }
  }

  /** Deletes our node unless it became a lease (which its release deletes). Safe to call repeatedly. */
  private void cleanUp() {
    stopWaiting();
    String path = ourPath;
    if (path != null && won == null && nodeDeleted.compareAndSet(false, true)) {
      backend.deleteQuietly(path);
    }
  }

  /**
   * Fails the acquisition if the request gets no answer within the command timeout. A late answer still comes:
   * a create's then deletes the node it made.
   */
  private void bound(CompletableFuture<CuratorEvent> call, String what) {
    backend.bound(call, () -> fail(new LockBackendException("no answer from " + backend.describe() + " within "
        + backend.commandTimeout() + " to " + what, null)));
  }

  @Override
  public String toString() {
    return "ZkAcquisition{" + request.name() + ", " + ourPath + '}';
  }
}
