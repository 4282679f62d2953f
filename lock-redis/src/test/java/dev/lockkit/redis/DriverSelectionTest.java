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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which driver a URI gets, what happens when it is missing, and the embedded-redis fallback binary. */
class DriverSelectionTest {

  /** Loads lockkit's classes itself and pretends that the classes under some packages are not on the class path. */
  private static final class Hiding extends URLClassLoader {
    private final List<String> hidden;

    Hiding(List<String> hidden, URL... urls) {
      super(urls, DriverSelectionTest.class.getClassLoader());
      this.hidden = hidden;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (hidden.stream().anyMatch(name::startsWith)) {
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

  /** What {@code Locks.connect(uri)} throws with lockkit loaded by a loader that hides {@code hidden}. */
  private static Throwable connectHiding(List<String> hidden, String query) throws Exception {
    URL redisClasses = RedisLockProvider.class.getProtectionDomain().getCodeSource().getLocation();
    URL apiClasses = Locks.class.getProtectionDomain().getCodeSource().getLocation();
    try (Hiding loader = new Hiding(hidden, redisClasses, apiClasses)) {
      Class<?> locks = loader.loadClass("dev.lockkit.Locks");
      Class<?> options = loader.loadClass("dev.lockkit.LockOptions");
      Method connect = locks.getMethod("connect", URI.class, options, ClassLoader.class);
      Object defaults = options.getMethod("defaults").invoke(null);
      // nothing listens there: a driver that loads fails to connect instead, with a LockBackendException
      URI uri = URI.create("redis://127.0.0.1:" + RedisServer.freePort() + query);
      try {
        Object client = connect.invoke(null, uri, defaults, loader);
        ((AutoCloseable) client).close();
        throw new AssertionError("connected to " + uri);
      } catch (InvocationTargetException e) {
        return e.getCause();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"?driver=lettuce|io.lettuce:lettuce-core", "|io.lettuce:lettuce-core",
      "?driver=jedis|redis.clients:jedis"})
  void aMissingDriverIsAnIllegalStateNamingItsMavenArtifact(String caseSpec) throws Exception {
    String query = caseSpec.substring(0, caseSpec.indexOf('|'));
    String artifact = caseSpec.substring(caseSpec.indexOf('|') + 1);
    Throwable e = connectHiding(List.of("io.lettuce.", "redis.clients."), query);
    // not a LockBackendException, which reads as "the server failed, try again"
    assertThat(e).isInstanceOf(IllegalStateException.class);
    assertThat(e.getMessage()).contains(artifact).contains(query.isEmpty() ? "lettuce" : query.substring(8));
  }

  /**
   * The driver's library is there but a class it or the adapter needs is not (a dependency left out): the
   * {@link NoClassDefFoundError} from opening the driver becomes the same {@link IllegalStateException}.
   */
  @ParameterizedTest
  @ValueSource(strings = {"jedis|org.apache.commons.pool2.|redis.clients:jedis",
      "lettuce|io.lettuce.core.cluster.|io.lettuce:lettuce-core"})
  void aDriverThatCannotLoadAClassItNeedsIsAnIllegalStateNamingTheClassAndTheArtifact(String caseSpec)
      throws Exception {
    String[] parts = caseSpec.split("\\|");
    Throwable e = connectHiding(List.of(parts[1]), "?driver=" + parts[0]);
    assertThat(e).isInstanceOf(IllegalStateException.class).hasCauseInstanceOf(NoClassDefFoundError.class);
    assertThat(e.getMessage()).contains(parts[0] + " driver").contains(parts[1]).contains(parts[2]);
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
