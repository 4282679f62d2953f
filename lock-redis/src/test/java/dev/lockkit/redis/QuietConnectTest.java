package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.LogCapture;
import dev.lockkit.redis.testing.SharedServers;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A normal connect, lock, release and close logs nothing at INFO or above, from lockkit or from the driver
 * (Lettuce used to say {@code computationThreadPoolSize is less than 2 (1), setting to: 2} at every connect).
 */
class QuietConnectTest {
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"lettuce, standalone", "jedis, standalone", "lettuce, cluster", "jedis, cluster"})
  void aNormalConnectLogsNothingAtInfoOrAbove(String driver, String deployment) throws Exception {
    String uri = (deployment.equals("cluster") ? SharedServers.cluster().uri() : SharedServers.standalone().uri())
        + "?driver=" + driver;
    try (LogCapture log = LogCapture.start()) {
      for (int i = 0; i < 2; i++) { // the second connect too: once-per-JVM lines are not the only concern
        try (LockClient client = Locks.connect(uri, OPTIONS);
            Lease lease = client.lock("quiet/" + driver + "/" + deployment).acquire(Duration.ofSeconds(5))) {
          assertThat(lease.isValid()).isTrue();
        }
      }
      // Lettuce says the first at INFO when a connection it was still opening (a cluster node's, a topology
      // refresh) comes up after its client was closed; the second at WARN (RedisChannelHandler, on its I/O
      // thread) when a connection it closes was closed already, seen once with the cluster client in a build:
      // races at close, not messages of connecting
      List<String> loud = Stream.of(" INFO ", " WARN ", " ERROR ")
          .flatMap(level -> log.lines(level, "").stream())
          .filter(line -> !line.contains("Closing channel because endpoint is already closed"))
          .filter(line -> !line.contains("RedisChannelHandler - Connection is already closed")).toList();
      assertThat(loud).as("lines logged at INFO or above while connecting with " + driver).isEmpty();
    }
  }
}
