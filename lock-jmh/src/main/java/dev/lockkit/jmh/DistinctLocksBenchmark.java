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
 * Each thread its own lock, all through one client: no contention on the locks, only on the client (its
 * connections, its event loop, its renewal machinery).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class DistinctLocksBenchmark {
  /**
   * Which implementation. Not the {@code _SOLO} ones: cohorting acts per lock name, and with one thread per
   * lock it has nothing to do ({@code OneLockBenchmark.thread1} measures what its bookkeeping costs).
   */
  @Param({"LOCKKIT_REDIS_LETTUCE", "LOCKKIT_REDIS_JEDIS", "LOCKKIT_ZOOKEEPER", "LOCKKIT_MEMORY", "REDISSON", "CURATOR",
      "FLOOR_LETTUCE", "FLOOR_JEDIS", "FLOOR_ZOOKEEPER"})
  public Contender contender;

  /** Busy work inside the critical section, in microseconds. */
  @Param({"0", "10", "100"})
  public int workMicros;

  private Contender.Instance instance;

  /**
   * Connects the contender.
   *
   * @throws Exception if it cannot connect
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    instance = contender.create();
  }

  /** Closes the contender's client. */
  @TearDown(Level.Trial)
  public void tearDown() {
    instance.close();
  }

  /** The lock of one benchmark thread. */
  @State(Scope.Thread)
  public static class Mine {
    LockHandle lock;

    /**
     * Names a lock for this thread.
     *
     * @param bench the shared state holding the client
     */
    @Setup(Level.Trial)
    public void setUp(DistinctLocksBenchmark bench) {
      lock = bench.instance.lock("bench/distinct-" + UUID.randomUUID());
    }
  }

  /**
   * Four threads, four locks.
   *
   * @param mine this thread's lock
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(4)
  public void threads4(Mine mine) throws Exception {
    cycle(mine);
  }

  /**
   * Sixteen threads, sixteen locks.
   *
   * @param mine this thread's lock
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(16)
  public void threads16(Mine mine) throws Exception {
    cycle(mine);
  }

  /**
   * Sixty-four threads, sixty-four locks.
   *
   * @param mine this thread's lock
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(64)
  public void threads64(Mine mine) throws Exception {
    cycle(mine);
  }

  @SuppressWarnings("try") // the resource is held only to be released
  private void cycle(Mine mine) throws Exception {
    try (AutoCloseable held = mine.lock.acquire()) {
      Work.spin(workMicros);
    }
  }
}
