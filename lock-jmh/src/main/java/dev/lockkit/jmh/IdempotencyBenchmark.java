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
 * The idempotency guard's cost on the happy path: each operation is the first request with a fresh key (claim,
 * run the action, store the outcome, release), against the action alone and against the unfenced hand-written
 * scheme, all on one redis-server ({@link IdempotencyContender}). Each thread has its own keys, so no request
 * waits for another. {@link dev.lockkit.jmh.probes.IdempotencyCostProbe} counts the commands each request sends.
 *
 * <pre>{@code
 * lock-jmh/bench full IdempotencyBenchmark     # every contender, 1 and 8 threads, about 2.5 minutes
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// 8 trials of 4 x 2 s warm-up and 3 x 2 s measured: the whole matrix in about 2.5 minutes on two cores
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class IdempotencyBenchmark {
  /** How a request runs: bare, guarded, unfenced, replayed. */
  @Param
  public IdempotencyContender contender;

  private IdempotencyContender.Instance instance;
  private String run;

  /** Connects the contender. */
  @Setup(Level.Trial)
  public void setUp() {
    instance = contender.create();
    run = UUID.randomUUID().toString();
  }

  /** Closes the contender's clients. */
  @TearDown(Level.Trial)
  public void tearDown() {
    instance.close();
  }

  /** One benchmark thread's keys: {@code <run>-<thread>-<n>}. */
  @State(Scope.Thread)
  public static class Keys {
    private String prefix;
    private long next;

    /**
     * Names this thread's keys and runs its first request (unmeasured: for {@link IdempotencyContender#REPLAY}
     * the request every later one replays).
     *
     * @param bench the shared state holding the client
     * @throws Exception from the contender
     */
    @Setup(Level.Trial)
    public void setUp(IdempotencyBenchmark bench) throws Exception {
      prefix = bench.run + "-" + UUID.randomUUID().toString().substring(0, 8);
      bench.instance.request(bench.contender.key(prefix, next++));
    }
  }

  /**
   * One thread.
   *
   * @param keys this thread's keys
   * @return the result, for the blackhole
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(1)
  public String thread1(Keys keys) throws Exception {
    return request(keys);
  }

  /**
   * Eight threads, each with its own keys, through one client.
   *
   * @param keys this thread's keys
   * @return the result, for the blackhole
   * @throws Exception from the contender
   */
  @Benchmark
  @Threads(8)
  public String threads8(Keys keys) throws Exception {
    return request(keys);
  }

  private String request(Keys keys) throws Exception {
    return instance.request(contender.key(keys.prefix, keys.next++));
  }
}
