package dev.lockkit.redis.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.awaitility.Awaitility;

/**
 * Locking as an application does it, meant to run in a class loader of its own that holds lockkit and one
 * version of a driver (see {@code DriverVersionsTest}): it talks to the caller only through JDK types.
 */
public final class DriverScenario {
  private DriverScenario() {}

  /**
   * Two clients on {@code uri}: one holds a lock, the other finds it taken, then waits for it, subscribed (as
   * {@code subscribers} tells, from the server), and is woken by the release with a greater fencing token.
   *
   * @param uri the server or cluster, with {@code ?driver=}
   * @param name the lock's name
   * @param subscribers the count of subscriptions to the lock's release channel, as the server reports it
   * @param probe a class of the driver
   * @return where the loader that ran this found {@code probe}: the driver's jar
   */
  public static String lockAndWait(String uri, String name, LongSupplier subscribers, String probe)
      throws Exception {
    ClassLoader loader = DriverScenario.class.getClassLoader();
    LockOptions options = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();
    try (LockClient a = Locks.connect(URI.create(uri), options, loader);
        LockClient b = Locks.connect(URI.create(uri), options, loader)) {
      Lease held = a.lock(name).acquire(Duration.ofSeconds(5));
      assertThat(b.lock(name).tryAcquire()).isEmpty();
      CompletableFuture<Lease> waiting = b.lock(name).acquireAsync(Duration.ofSeconds(30));
      Awaitility.await("waiter subscribed").atMost(Duration.ofSeconds(10))
          .until(() -> subscribers.getAsLong() == 1L);
      long token = held.fencingToken();
      held.close();
      try (Lease next = waiting.get(20, TimeUnit.SECONDS)) {
        assertThat(next.fencingToken()).isGreaterThan(token);
        assertThat(next.isValid()).isTrue();
      }
    }
    return Class.forName(probe, false, loader).getProtectionDomain().getCodeSource().getLocation().toString();
  }

  /** Connects to {@code uri} and closes again: what a refused driver version fails. */
  public static void connect(String uri) {
    Locks.connect(URI.create(uri), LockOptions.defaults(), DriverScenario.class.getClassLoader()).close();
  }
}
