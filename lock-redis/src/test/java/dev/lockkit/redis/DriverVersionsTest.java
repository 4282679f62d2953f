package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Locks;
import dev.lockkit.redis.testing.DriverScenario;
import dev.lockkit.redis.testing.RedisCluster;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * lockkit with the driver versions that Spring Boot manages rather than the ones it is built with: Jedis 5.2
 * (Boot 3.5.0), 6.0 (Boot 3.5.1 and later), 7.0 (Boot 4.0), Lettuce 6.5 (Boot 3.5.0), 6.6 (Boot 3.5.1 and
 * later) and 6.8 (Boot 4.0). Each runs in a class loader that holds lockkit's classes and that driver's jar, and
 * loads both itself; everything else (the pool, Netty, SLF4J, the test tools) comes from the test's class path.
 * A Jedis older than 5.2 is refused at connect, naming its version.
 *
 * <p>The build copies the jars to {@code target/driver-versions} (maven-dependency-plugin {@code copy} in
 * lock-redis' pom); {@code -Dlockkit.driverVersions=dir} points elsewhere. Where they are missing (a run from an
 * IDE without that build step) these tests fail, saying so: a skipped test would read as a pass.
 */
class DriverVersionsTest {
  private static final Path JARS = Path.of(System.getProperty("lockkit.driverVersions", "target/driver-versions"));

  /** Loads lockkit and one driver itself (classes and resources), everything else from the test's class path. */
  private static final class Isolated extends URLClassLoader {
    private final List<String> own;

    Isolated(List<String> ownPackages, URL... urls) {
      super(urls, DriverVersionsTest.class.getClassLoader());
      this.own = ownPackages;
    }

    private boolean owns(String name) {
      String dotted = name.replace('/', '.');
      return own.stream().anyMatch(dotted::startsWith);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!owns(name)) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          c = findClass(name);
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }

    @Override
    public URL getResource(String name) {
      URL own = owns(name) ? findResource(name) : null;
      return own != null ? own : super.getResource(name);
    }
  }

  private static Path jar(String file) {
    assertThat(JARS).as("no driver jars in " + JARS.toAbsolutePath() + ": the build's maven-dependency-plugin "
        + "copy to target/driver-versions did not run (./mvnw -pl lock-redis generate-test-resources)").isDirectory();
    Path jar = JARS.resolve(file);
    assertThat(jar).as("the build copies " + file + " to " + JARS).isRegularFile();
    return jar;
  }

  private static Isolated isolate(Path driverJar, String driverPackage) throws IOException {
    URL redis = RedisLockProvider.class.getProtectionDomain().getCodeSource().getLocation();
    URL api = Locks.class.getProtectionDomain().getCodeSource().getLocation();
    URL tests = DriverScenario.class.getProtectionDomain().getCodeSource().getLocation();
    return new Isolated(List.of("dev.lockkit.", driverPackage), redis, api, tests, driverJar.toUri().toURL());
  }

  @ParameterizedTest(name = "{0} {1}")
  @Timeout(120)
  @CsvSource({
      "jedis-5.2.0.jar, standalone", "jedis-5.2.0.jar, cluster",
      "jedis-6.0.0.jar, standalone", "jedis-6.0.0.jar, cluster",
      "jedis-7.0.0.jar, standalone", "jedis-7.0.0.jar, cluster",
      "lettuce-core-6.5.5.RELEASE.jar, standalone", "lettuce-core-6.5.5.RELEASE.jar, cluster",
      "lettuce-core-6.6.0.RELEASE.jar, standalone", "lettuce-core-6.6.0.RELEASE.jar, cluster",
      "lettuce-core-6.8.2.RELEASE.jar, standalone", "lettuce-core-6.8.2.RELEASE.jar, cluster"})
  void locksAndWaitsWithTheDriverVersionsSpringBootManages(String file, String deployment) throws Throwable {
    Path jar = jar(file);
    boolean jedis = file.startsWith("jedis");
    String name = "versions/" + file + "/" + deployment;
    String channel = "lockkit:{" + name + "}:released";
    String uri;
    LongSupplier subscribers;
    if (deployment.equals("cluster")) {
      RedisCluster cluster = SharedServers.cluster();
      RedisServer owner = cluster.nodeOf(channel);
      boolean sharded = owner.hasShardedPubSub();
      uri = cluster.uri();
      subscribers = () -> RedisClusterLayoutTest.subscribers(cluster, owner, channel, sharded);
    } else {
      RedisServer server = SharedServers.standalone();
      uri = server.uri();
      subscribers = () -> {
        try (Resp r = server.resp()) {
          return (Long) ((List<?>) r.call("PUBSUB", "NUMSUB", channel)).get(1);
        }
      };
    }
    try (Isolated loader = isolate(jar, jedis ? "redis.clients.jedis." : "io.lettuce.core.")) {
      Method run = loader.loadClass(DriverScenario.class.getName())
          .getMethod("lockAndWait", String.class, String.class, LongSupplier.class, String.class);
      String probe = jedis ? "redis.clients.jedis.Jedis" : "io.lettuce.core.RedisClient";
      Object from = invoke(run, uri + "?driver=" + (jedis ? "jedis" : "lettuce"), name, subscribers, probe);
      assertThat(from).as("where the driver was loaded from").asString().endsWith("/" + file);
    }
  }

  @Test
  @Timeout(60)
  void aJedisOlderThanFivePointTwoIsRefusedAtConnectNamingItsVersion() throws Exception {
    Path jar = jar("jedis-4.4.8.jar");
    try (Isolated loader = isolate(jar, "redis.clients.jedis.")) {
      Method connect = loader.loadClass(DriverScenario.class.getName()).getMethod("connect", String.class);
      // nothing needs to listen there: the version is checked before anything connects
      String uri = "redis://127.0.0.1:" + RedisServer.freePort() + "?driver=jedis";
      assertThatThrownBy(() -> invoke(connect, uri)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Jedis 4.4.8").hasMessageContaining("jedis-4.4.8.jar")
          .hasMessageContaining("5.2 and newer").hasMessageContaining("Lettuce");
    }
  }

  /**
   * Calls a static method of a class the isolated loader loaded, with that loader as the context class loader, as
   * an application's own would be: Lettuce looks classes up by name through it (its JFR events) and its threads
   * inherit it.
   */
  private static Object invoke(Method method, Object... args) throws Throwable {
    Thread thread = Thread.currentThread();
    ClassLoader context = thread.getContextClassLoader();
    thread.setContextClassLoader(method.getDeclaringClass().getClassLoader());
    try {
      return method.invoke(null, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } finally {
      thread.setContextClassLoader(context);
    }
  }
}
