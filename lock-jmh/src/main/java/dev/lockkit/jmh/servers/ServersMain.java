package dev.lockkit.jmh.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the benchmark servers once for a whole run, so that JMH's forks share them instead of each starting
 * and warming its own: writes {@code -Dlockkit.bench.redis=...} and {@code -Dlockkit.bench.zookeeper=...}, one
 * per line, to the file named by its argument once both serve, then runs until it is told to stop (its standard
 * input closes, or it is terminated). Its servers and their temporary directories go when it ends.
 */
public final class ServersMain {
  private ServersMain() {}

  /**
   * Starts both servers, writes their properties, and waits.
   *
   * @param args the file to write the JVM properties to
   * @throws IOException if a server cannot start or the file cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ServersMain <properties file>");
    }
    String redis = Servers.redisUri();
    String zookeeper = Servers.zookeeperConnect();
    Path out = Path.of(args[0]);
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    Files.write(partial, List.of("-Dlockkit.bench.redis=" + redis, "-Dlockkit.bench.zookeeper=" + zookeeper),
        StandardCharsets.UTF_8);
    Files.move(partial, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    // runs until the script closes our standard input or terminates us; the shutdown hook cleans up
    while (System.in.read() >= 0) {
      // nothing to read: the bench script only holds the pipe open
    }
    Servers.stopAll();
  }
}
