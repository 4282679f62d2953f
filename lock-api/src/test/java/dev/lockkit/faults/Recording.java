package dev.lockkit.faults;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Everything one fault run records, in the test's JVM: the {@link FencedStore} with its access log, every
 * {@link Attempt} reported by workload threads (of this JVM or of child processes), and every {@link Pause}
 * a fault caused. {@link Checker} reads it once the run is over. Thread-safe.
 */
public final class Recording {
  /** The most attempts one recording keeps; more fail the reporting thread. */
  public static final int MAX_ATTEMPTS = 1_000_000;

  private final FencedStore store;
  private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Pause> pauses = new ConcurrentLinkedQueue<>();

  /**
   * A recording around the given store.
   *
   * @param store the shared resource of the run
   */
  public Recording(FencedStore store) {
    this.store = store;
  }

  /**
   * A recording around a new {@link FencedStore#fenced()} store.
   *
   * @return an empty recording
   */
  public static Recording fenced() {
    return new Recording(FencedStore.fenced());
  }

  /**
   * The shared resource.
   *
   * @return the store
   */
  public FencedStore store() {
    return store;
  }

  /**
   * Adds an attempt.
   *
   * @param attempt a finished attempt
   * @throws IllegalStateException past {@link #MAX_ATTEMPTS}
   */
  public void record(Attempt attempt) {
    if (attempts.size() >= MAX_ATTEMPTS) {
      throw new IllegalStateException("the recording is full (" + MAX_ATTEMPTS + " attempts)");
    }
    attempts.add(attempt);
  }

  /**
   * Adds a freeze.
   *
   * @param pause what a fault froze, and when
   */
  public void pause(Pause pause) {
    pauses.add(pause);
  }

  /**
   * The attempts so far.
   *
   * @return a copy, in the order they were reported
   */
  public List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  /**
   * How many attempts got a lease so far; cheap enough to poll while a run goes on.
   *
   * @return the number of acquisitions
   */
  public long acquisitions() {
    return attempts.stream().filter(Attempt::gotLease).count();
  }

  /**
   * How many acquisitions holders whose name starts with the prefix made so far.
   *
   * @param holderPrefix such as {@code p1/}
   * @return the number of their acquisitions
   */
  public long acquisitions(String holderPrefix) {
    return attempts.stream().filter(a -> a.gotLease() && a.holder().startsWith(holderPrefix)).count();
  }

  /**
   * The freezes so far.
   *
   * @return a copy
   */
  public List<Pause> pauses() {
    return List.copyOf(pauses);
  }

  /**
   * A link for a workload thread of this JVM: straight calls, no copying.
   *
   * @return a new link
   */
  public WorkerLink link() {
    return new WorkerLink() {
      @Override
      public long read(String section, long token) {
        return store.read(section, token);
      }

      @Override
      public boolean write(String section, long token, long value) {
        return store.write(section, token, value);
      }

      @Override
      public void record(Attempt attempt) {
        Recording.this.record(attempt);
      }

      @Override
      public void pause(Pause pause) {
        Recording.this.pause(pause);
      }

      @Override
      public void close() {}
    };
  }
}
