package dev.lockkit.jmh.probes;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** What the Redis server says about its clients and channels, and its own round-trip latency. */
final class RedisInfo implements AutoCloseable {
  private final String uri;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;

  RedisInfo(String uri) {
    this.uri = uri;
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
  }

  /** Connected clients, this probe's own connection included. */
  int connectedClients() {
    for (String line : redis.info("clients").split("\r?\n")) {
      if (line.startsWith("connected_clients:")) {
        return Integer.parseInt(line.substring("connected_clients:".length()).trim());
      }
    }
    throw new IllegalStateException("INFO clients has no connected_clients");
  }

  /** Channels (plain and sharded) with at least one subscriber. */
  int channels() {
    int plain = redis.pubsubChannels().size();
    int sharded;
    try {
      sharded = redis.pubsubShardChannels().size();
    } catch (RuntimeException e) {
      sharded = 0; // Redis 6 has no sharded pub/sub
    }
    return plain + sharded;
  }

  /**
   * Round-trip times of {@code n} PINGs on one connection, in nanoseconds, each sent after the connection sat
   * idle for {@code idleNanos} (0: back to back, a busy loop). Idle, as a hand-off's commands are, every thread
   * on the way (the caller, the driver's I/O thread, the server) is woken from sleep first, which on a small or
   * virtual machine costs more than the round trip of a busy loop.
   */
  long[] pingNanos(int n, long idleNanos) {
    long[] times = new long[n];
    for (int i = 0; i < n; i++) {
      java.util.concurrent.locks.LockSupport.parkNanos(idleNanos); // returns at once for 0
      long start = System.nanoTime();
      redis.ping();
      times[i] = System.nanoTime() - start;
    }
    return times;
  }

  /**
   * The p50 and p99 PING latencies that {@code redis-benchmark} (one connection, back to back) reports, in
   * microseconds, or null if the tool is not on PATH or prints no percentiles (older versions).
   */
  double @Nullable [] redisBenchmarkMicros() throws IOException, InterruptedException {
    URI u = URI.create(uri);
    List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", u.getHost(), "-p",
        String.valueOf(u.getPort()), "-t", "ping_inline", "-n", "20000", "-c", "1", "--csv"));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return null;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return null;
    }
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
    String[] lines = out.strip().split("\r?\n");
    if (lines.length < 2 || !lines[0].contains("p50_latency_ms") || !lines[0].contains("p99_latency_ms")) {
      return null;
    }
    List<String> header = List.of(lines[0].replace("\"", "").split(","));
    String[] values = lines[lines.length - 1].replace("\"", "").split(",");
    return new double[] {Double.parseDouble(values[header.indexOf("p50_latency_ms")]) * 1000,
        Double.parseDouble(values[header.indexOf("p99_latency_ms")]) * 1000};
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
