package dev.lockkit.jmh;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One lock, 1 to 64 threads of one client: acquire, spin {@code workMicros} inside, release. With one thread
 * this is the uncontended cost of a lock (compare with {@link Contender#FLOOR_LETTUCE}); with more, the cost
 * of hand-offs under contention. Use {@code -bm sample} for p50/p99/p99.9 of one acquire+release.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// 5 x 2 s: on two cores the JIT needs about 10 s to finish lockkit's path (measured: one thread, sample mode,
// lockkit 205 µs/op against the floor's 132 after 2 x 2 s of warm-up, 139 against 172 after 6 x 2 s)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class OneLockBenchmark {
  /** Which implementation: all of them, lockkit with cohorting on (its default) and off ({@code _SOLO}). */
  @Param
  public Contender contender;

  /** Busy work inside the critical section, in microseconds. */
  @Param({"0", "10", "100"})
  public int workMicros;

  private Contender.Instance instance;
  private LockHandle lock;

  /**
   * Connects the contender and names a fresh lock.
   *
   * @throws Exception if the contender cannot connect
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    instance = contender.create();
    lock = instance.lock("bench/one-" + UUID.randomUUID());
  }

  /** Closes the contender's client. */
  @TearDown(Level.Trial)
  public void tearDown() {
    instance.close();
  }

  /**
   * One thread.
   *
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(1)
  public void thread1() throws Exception {
    cycle();
  }

  /**
   * Four threads on the one lock.
   *
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(4)
  public void threads4() throws Exception {
    cycle();
  }

  /**
   * Sixteen threads on the one lock.
   *
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(16)
  public void threads16() throws Exception {
    cycle();
  }

  /**
   * Sixty-four threads on the one lock.
   *
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(64)
  public void threads64() throws Exception {
    cycle();
  }

  @SuppressWarnings("try") // the resource is held only to be released
  private void cycle() throws Exception {
    try (AutoCloseable held = lock.acquire()) {
      Work.spin(workMicros);
    }
  }
}
