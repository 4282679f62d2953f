package dev.lockkit.jmh;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.lockkit.jmh.CpuProfiler}) that reports, per iteration, the CPU time the
 * benchmark's JVM spent per operation ({@code cpu.client}: every thread of the fork, the client library's I/O and
 * timer threads, its garbage collector and JIT compiler included) and, on Linux, the CPU time of every
 * {@code redis-server} process of the machine per operation ({@code cpu.redis}, from {@code /proc}; meaningful
 * while the benchmark's server is the only one busy). In throughput mode only, where JMH counts the operations.
 */
public final class CpuProfiler implements InternalProfiler {
  private static final double TICK_MICROS = 10_000; // USER_HZ is 100 on Linux

  private long processCpuNanos;
  private long redisTicks;

  /** The profiler JMH instantiates. */
  public CpuProfiler() {}

  @Override
  public String getDescription() {
    return "CPU time per operation: this JVM's (cpu.client) and the redis-server processes' (cpu.redis)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    processCpuNanos = processCpu();
    redisTicks = redisTicks();
  }

  @Override
  public Collection<ScalarResult> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long ops = result.getMetadata().getAllOps();
    List<ScalarResult> out = new ArrayList<>();
    if (ops <= 0) {
      return out;
    }
    out.add(new ScalarResult("cpu.client", (processCpu() - processCpuNanos) / 1e3 / ops, "us/op",
        AggregationPolicy.AVG));
    long ticks = redisTicks();
    if (ticks >= 0 && redisTicks >= 0) {
      out.add(new ScalarResult("cpu.redis", (ticks - redisTicks) * TICK_MICROS / ops, "us/op",
          AggregationPolicy.AVG));
    }
    return out;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** User and system ticks of every redis-server process, or -1 where {@code /proc} cannot tell. */
  private static long redisTicks() {
    long sum = 0;
    for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
      String command = p.info().command().orElse("");
      if (!command.contains("redis-server") && !command.contains("redis-check-rdb")) {
        continue; // Debian's redis-server is a link to redis-check-rdb
      }
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
        sum += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return sum;
  }
}
