package dev.lockkit.faults;

import java.util.ArrayList;
import java.util.List;

/**
 * The shared resource of a fault run: one counter row guarded by a fence, as a database row with a version
 * column would be. Every access carries the accessor's fencing token and is logged with the store's own
 * {@link System#nanoTime()} at arrival, in arrival order.
 *
 * <p>The fence is the highest token the row has seen. A read raises it (the first statement of a holder
 * stamps the row, {@code UPDATE row SET fence = :token WHERE fence <= :token}), so that a newer holder
 * claims the row as soon as it touches it, not only once it writes; a write is rejected if its token is
 * lower than the fence, and otherwise sets the value and raises the fence. A store built by
 * {@link #unfenced()} accepts every write, as storage that ignores tokens would: it is how a run shows what
 * fencing prevents.
 *
 * <p>Thread-safe. The log is bounded: past {@link #MAX_ACCESSES} entries every access fails, so a runaway
 * workload cannot eat the heap.
 */
public final class FencedStore {
  /** The most accesses one store logs. */
  public static final int MAX_ACCESSES = 2_000_000;

  /** What an access did. */
  public enum Kind {
    /** A read, which also raises the fence to the reader's token. */
    READ,
    /** A write of a new value. */
    WRITE
  }

  /**
   * One logged access.
   *
   * @param seq the position in arrival order, from 0
   * @param kind read or write
   * @param section the id of the critical section that made it ({@link Attempt#id()})
   * @param token the accessor's fencing token
   * @param value the value read, or the value the write wanted to store
   * @param accepted true for every read and for a write the fence let through
   * @param fenceBefore the fence when the access arrived
   * @param atNanos the store's {@link System#nanoTime()} at arrival
   */
  public record Access(long seq, Kind kind, String section, long token, long value, boolean accepted,
      long fenceBefore, long atNanos) {}

  private final boolean fenced;
  private final List<Access> log = new ArrayList<>();
  private long value;
  private long fence;

  private FencedStore(boolean fenced) {
    this.fenced = fenced;
  }

  /**
   * A store that rejects writes whose token is below its fence.
   *
   * @return an empty store, value 0, fence 0
   */
  public static FencedStore fenced() {
    return new FencedStore(true);
  }

  /**
   * A store that logs tokens but accepts every write, like storage that knows nothing of fencing.
   *
   * @return an empty store, value 0
   */
  public static FencedStore unfenced() {
    return new FencedStore(false);
  }

  /**
   * Reads the value and raises the fence to {@code token} if that is higher.
   *
   * @param section the reader's critical section id
   * @param token the reader's fencing token
   * @return the current value
   * @throws IllegalStateException if the log is full
   */
  public synchronized long read(String section, long token) {
    long now = System.nanoTime();
    append(new Access(log.size(), Kind.READ, section, token, value, true, fence, now));
    fence = Math.max(fence, token);
    return value;
  }

  /**
   * Writes {@code newValue} unless the store is fenced and {@code token} is below the fence.
   *
   * @param section the writer's critical section id
   * @param token the writer's fencing token
   * @param newValue the value to store
   * @return true if the write was accepted
   * @throws IllegalStateException if the log is full
   */
  public synchronized boolean write(String section, long token, long newValue) {
    long now = System.nanoTime();
    boolean accepted = !fenced || token >= fence;
    append(new Access(log.size(), Kind.WRITE, section, token, newValue, accepted, fence, now));
    if (accepted) {
      value = newValue;
      fence = Math.max(fence, token);
    }
    return accepted;
  }

  /**
   * The current value.
   *
   * @return the value of the last accepted write, or 0
   */
  public synchronized long value() {
    return value;
  }

  /**
   * The current fence.
   *
   * @return the highest token seen by a read or an accepted write, or 0
   */
  public synchronized long fence() {
    return fence;
  }

  /**
   * Whether writes are checked against the fence.
   *
   * @return false for a store built by {@link #unfenced()}
   */
  public boolean isFenced() {
    return fenced;
  }

  /**
   * A copy of the log.
   *
   * @return every access so far, in arrival order
   */
  public synchronized List<Access> accesses() {
    return List.copyOf(log);
  }

  private void append(Access access) {
    if (log.size() >= MAX_ACCESSES) {
      throw new IllegalStateException("the fenced store's log is full (" + MAX_ACCESSES + " accesses)");
    }
    log.add(access);
  }
}
