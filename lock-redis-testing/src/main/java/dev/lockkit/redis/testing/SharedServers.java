package dev.lockkit.redis.testing;

/** Servers shared by every test class of one JVM, started on first use and stopped at JVM exit. */
public final class SharedServers {
  private static RedisServer standalone;
  private static RedisCluster cluster;

  private SharedServers() {}

  /** The shared standalone server. */
  public static synchronized RedisServer standalone() {
    if (standalone == null) {
      standalone = RedisServer.launch();
    }
    return standalone;
  }

  /**
   * The URI of the shared standalone server for tests that only talk to it: Testcontainers' redis:7 where a
   * Docker engine answers, else the local process of {@link #standalone()}.
   */
  public static String standaloneUri() {
    return DockerRedis.uri().orElseGet(() -> standalone().uri());
  }

  /** The shared three-master cluster. */
  public static synchronized RedisCluster cluster() {
    if (cluster == null) {
      cluster = RedisCluster.launch(3);
    }
    return cluster;
  }
}
