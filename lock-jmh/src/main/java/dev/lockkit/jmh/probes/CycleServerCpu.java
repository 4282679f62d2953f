package dev.lockkit.jmh.probes;

import dev.lockkit.jmh.Contender;
import dev.lockkit.jmh.servers.Servers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU time of the server a contender talks to, for {@link CycleProbe}'s "server CPU per cycle": utime + stime
 * (fields 14 and 15 of {@code /proc/<pid>/stat}, in clock ticks of 1/100 s) of the {@code redis-server} process or
 * the ZooKeeper server's JVM. Linux only; elsewhere, or where the server's pid is not known, the figure is NaN.
 */
final class CycleServerCpu {
  /** One clock tick (USER_HZ, 100 on every Linux the probe meets) in nanoseconds. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private CycleServerCpu() {}

  /**
   * The pid of the server {@code c} talks to, starting it as {@link Servers} does if needed; -1 where not known.
   * Redis: the one {@link Servers} started, else (an external server) the only process whose command line names
   * {@code redis-server} or {@code redis-check-rdb} (Debian's {@code redis-server} is a symlink to it) and the
   * server's port. ZooKeeper: the one {@link Servers} started, else -1.
   *
   * @param c a contender
   * @return the server's pid, or -1
   */
  static long pidOf(Contender c) {
    Contender floor = CycleTable.floorOf(c);
    if (floor == Contender.FLOOR_LETTUCE || floor == Contender.FLOOR_JEDIS) {
      String uri = Servers.redisUri();
      long pid = Servers.redisPid();
      return pid > 0 ? pid : findRedis(java.net.URI.create(uri).getPort());
    }
    if (floor == Contender.FLOOR_ZOOKEEPER) {
      Servers.zookeeperConnect();
      return Servers.zookeeperPid();
    }
    return -1;
  }

  /**
   * The CPU time process {@code pid} has used so far, user and system.
   *
   * @param pid a process id, -1 for none
   * @return nanoseconds (a multiple of 10 ms), or -1 where not known
   */
  static long cpuNanos(long pid) {
    if (pid <= 0) {
      return -1;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ')' ends it; field 3 follows
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return (Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1; // not Linux, or the process is gone
    }
  }

  /** The only redis-server process listening on {@code port} by its command line, or -1 if none or several. */
  private static long findRedis(int port) {
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        String cmd;
        try {
          cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
          continue; // ended meanwhile, or not ours to read
        }
        if ((cmd.contains("redis-server") || cmd.contains("redis-check-rdb"))
            && (port < 0 || cmd.contains(":" + port) || cmd.contains(" " + port + " ") || cmd.endsWith(" " + port))) {
          found.add(Long.parseLong(proc.getFileName().toString()));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return found.size() == 1 ? found.get(0) : -1;
  }
}
