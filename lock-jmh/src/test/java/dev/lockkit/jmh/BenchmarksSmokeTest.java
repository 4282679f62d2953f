package dev.lockkit.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.jmh.servers.Servers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark, every contender, one short iteration in this JVM: so that no benchmark rots. Not a
 * measurement (numbers from one 100 ms iteration on a loaded CI machine mean nothing); it asserts only that
 * each combination ran and completed operations.
 */
class BenchmarksSmokeTest {

  @AfterAll
  static void stopServers() {
    Servers.stopAll();
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void everyBenchmarkRunsForEveryContender() throws Exception {
    Path crossProcess = Files.createTempDirectory("lockkit-smoke").resolve("cross-process.txt");
    System.setProperty(CrossProcessBenchmark.STATS_PROPERTY, crossProcess.toString());
    Options options = new OptionsBuilder()
        .include(OneLockBenchmark.class.getSimpleName() + "|" + DistinctLocksBenchmark.class.getSimpleName()
            + "|" + CrossProcessBenchmark.class.getSimpleName())
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .param("workMicros", "0")
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> results;
    try {
      results = new Runner(options).run();
    } finally {
      System.clearProperty(CrossProcessBenchmark.STATS_PROPERTY);
    }

    List<String> ran = new ArrayList<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      String contender = r.getParams().getParam("contender");
      assertThat(r.getPrimaryResult().getScore()).as("%s %s", method, contender).isPositive();
      ran.add(method.substring(method.lastIndexOf('.', method.lastIndexOf('.') - 1) + 1) + " " + contender);
    }
    Set<Contender> all = EnumSet.allOf(Contender.class);
    // across processes: a server's; Curator's shared mutex is a configuration of one process's threads
    Set<Contender> served = EnumSet.complementOf(EnumSet.of(Contender.LOCKKIT_MEMORY, Contender.CURATOR_SHARED));
    // one thread per lock leaves cohorting nothing to do, and a shared mutex is the per-thread one
    Set<Contender> distinct = EnumSet.complementOf(EnumSet.of(Contender.LOCKKIT_REDIS_LETTUCE_SOLO,
        Contender.LOCKKIT_ZOOKEEPER_SOLO, Contender.CURATOR_SHARED));
    List<String> expected = new ArrayList<>();
    for (String m : List.of("thread1", "threads4", "threads16", "threads64")) {
      all.forEach(c -> expected.add("OneLockBenchmark." + m + " " + c));
    }
    for (String m : List.of("threads4", "threads16", "threads64")) {
      distinct.forEach(c -> expected.add("DistinctLocksBenchmark." + m + " " + c));
    }
    served.forEach(c -> expected.add("CrossProcessBenchmark.threads4 " + c));
    assertThat(ran).as("benchmarks that ran").containsExactlyInAnyOrderElementsOf(expected);
    assertThat(ran.stream().distinct().collect(Collectors.toList())).hasSameSizeAs(ran);

    // both processes took turns, and each side's count and longest wait made it to the file
    List<String> lines = Files.readAllLines(crossProcess);
    served.forEach(c -> assertThat(lines).as("cross-process line of %s", c).anySatisfy(line -> assertThat(line)
        .startsWith(c + " CrossProcess.threads4 here: threads=4 acquisitions=")
        .doesNotContain("acquisitions=0 ")
        .containsPattern(" rival: threads=2 acquisitions=[1-9][0-9]* maxWaitMs=[0-9.]+$")));
  }
}
