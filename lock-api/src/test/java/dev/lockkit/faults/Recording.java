package dev.lockkit.faults;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

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
   * How many critical sections started with a valid lease and wrote so far (the acquisitions column of
   * {@link Checker}); cheap enough to poll while a run goes on.
   *
   * @return the number of acquisitions
   */
  public long acquisitions() {
    return acquisitions("");
  }

  /**
   * How many acquisitions (as {@link #acquisitions()} counts them) holders whose name starts with the prefix
   * made so far.
   *
   * @param holderPrefix such as {@code p1/}
   * @return the number of their acquisitions
   */
  public long acquisitions(String holderPrefix) {
    Set<String> wrote = store().accesses().stream().filter(a -> a.kind() == FencedStore.Kind.WRITE)
        .map(FencedStore.Access::section).collect(Collectors.toSet());
    return attempts.stream()
        .filter(a -> a.hasSection() && a.holder().startsWith(holderPrefix) && wrote.contains(a.id())).count();
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
