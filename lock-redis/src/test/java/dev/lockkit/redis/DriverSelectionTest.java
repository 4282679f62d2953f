package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisBinary;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which driver a URI gets, what happens when it is missing, and the embedded-redis fallback binary. */
class DriverSelectionTest {

  /** Loads lockkit's classes itself and pretends that neither Lettuce nor Jedis is on the class path. */
  private static final class WithoutDrivers extends URLClassLoader {
    WithoutDrivers(URL... urls) {
      super(urls, DriverSelectionTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (name.startsWith("io.lettuce.") || name.startsWith("redis.clients.")) {
          throw new ClassNotFoundException(name + " is hidden by this test");
        }
        if (name.startsWith("dev.lockkit.")) {
          Class<?> c = findLoadedClass(name);
          if (c == null) {
            c = findClass(name);
          }
          if (resolve) {
            resolveClass(c);
          }
          return c;
        }
        return super.loadClass(name, resolve);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"?driver=lettuce|io.lettuce:lettuce-core", "|io.lettuce:lettuce-core",
      "?driver=jedis|redis.clients:jedis"})
  void aMissingDriverIsNamedByItsMavenArtifact(String caseSpec) throws Exception {
    String query = caseSpec.substring(0, caseSpec.indexOf('|'));
    String artifact = caseSpec.substring(caseSpec.indexOf('|') + 1);
    URL redisClasses = RedisLockProvider.class.getProtectionDomain().getCodeSource().getLocation();
    URL apiClasses = Locks.class.getProtectionDomain().getCodeSource().getLocation();
    try (WithoutDrivers loader = new WithoutDrivers(redisClasses, apiClasses)) {
      Class<?> locks = loader.loadClass("dev.lockkit.Locks");
      Class<?> options = loader.loadClass("dev.lockkit.LockOptions");
      Method connect = locks.getMethod("connect", URI.class, options, ClassLoader.class);
      Object defaults = options.getMethod("defaults").invoke(null);
      URI uri = URI.create("redis://127.0.0.1:" + RedisServer.freePort() + query);
      assertThatThrownBy(() -> {
        try {
          connect.invoke(null, uri, defaults, loader);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      }).satisfies(e -> {
        assertThat(e.getClass().getName()).isEqualTo("dev.lockkit.LockBackendException");
        assertThat(e.getMessage()).contains(artifact);
      });
    }
  }

  @Test
  void theEmbeddedRedisBinaryServesAsAFallbackServer() throws Exception {
    try (RedisServer server = RedisServer.launch(RedisBinary.embedded())) {
      try (Resp r = server.resp()) {
        assertThat(r.string("INFO", "server")).contains("redis_version:6.2");
      }
      for (String driver : new String[] {"lettuce", "jedis"}) {
        String uri = server.uri() + "?driver=" + driver;
        LockOptions options = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();
        try (LockClient a = Locks.connect(uri, options); LockClient b = Locks.connect(uri, options)) {
          Lease held = a.lock("embedded").acquire(Duration.ofSeconds(5));
          CompletableFuture<Lease> waiting = b.lock("embedded").acquireAsync(Duration.ofSeconds(20));
          held.close();
          try (Lease next = waiting.get(20, TimeUnit.SECONDS)) {
            assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
          }
        }
      }
    }
  }
}
