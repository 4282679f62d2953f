package dev.lockkit.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisSentinelGroup;
import dev.lockkit.redis.testing.RedisServer;
import dev.lockkit.redis.testing.Resp;
import dev.lockkit.redis.testing.SharedServers;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LeaseEvents;
import dev.lockkit.spi.LockClients;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimum hold on Redis ({@link BackendLease#releaseKeeping}), with both drivers, on a standalone server and a
 * cluster (and, for the waiter, behind Sentinel): the lock key stays, held by no owner, for the keep time and then
 * expires by itself; the old owner's renew, confirm and release find it not theirs; other clients get in only
 * once it ended, a waiter that waited from before the keep within a short delay of its end (not at the old
 * lease's end); a lease no longer held keeps nothing and leaves the new holder alone; a crashed holder leaves the
 * kept lock as it was. The holder is a lease of the backend itself; the others use the public API.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MinimumHoldRedisTest {
  private static final Logger log = LoggerFactory.getLogger(MinimumHoldRedisTest.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The holder's lease: long enough that a waiter freed only at its end shows. */
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration KEEP = Duration.ofMillis(1500);
  /** Slack between the JVM's clock and the server's millisecond expiry. */
  private static final long CLOCK_SLACK_MILLIS = 30;
  /** How late after the keep's end a waiter may get the lock on a loaded machine. */
  private static final Duration PROMPTLY = Duration.ofSeconds(2);

  private static @Nullable RedisSentinelGroup sentinels;

  /** Where the lock lives, and how to reach the server that holds a key with raw commands. */
  enum Deployment {
    STANDALONE, CLUSTER, SENTINEL;

    String uri() {
      return switch (this) {
        case STANDALONE -> SharedServers.standalone().uri();
        case CLUSTER -> SharedServers.cluster().uri();
        case SENTINEL -> sentinels().uri();
      };
    }

    RedisServer nodeOf(String key) {
      return switch (this) {
        case STANDALONE -> SharedServers.standalone();
        case CLUSTER -> SharedServers.cluster().nodeOf(key);
        case SENTINEL -> sentinels().primary();
      };
    }
  }

  private static synchronized RedisSentinelGroup sentinels() {
    if (sentinels == null) {
      sentinels = RedisSentinelGroup.launch(0);
    }
    return sentinels;
  }

  @AfterAll
  static synchronized void stopSentinels() {
    if (sentinels != null) {
      sentinels.close();
      sentinels = null;
    }
  }

  static Stream<Arguments> deployments() {
    List<Arguments> all = new ArrayList<>();
    for (Deployment d : List.of(Deployment.STANDALONE, Deployment.CLUSTER)) {
      for (String driver : List.of(RedisSettings.LETTUCE, RedisSettings.JEDIS)) {
        all.add(Arguments.of(d, driver));
      }
    }
    return all.stream();
  }

  static Stream<Arguments> deploymentsWithSentinel() {
    return Stream.concat(deployments(), Stream.of(Arguments.of(Deployment.SENTINEL, RedisSettings.LETTUCE),
        Arguments.of(Deployment.SENTINEL, RedisSettings.JEDIS)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("deployments")
  void aKeptLockStaysTakenByNobodyUntilTheKeepEndsThenIsFree(Deployment deployment, String driver)
      throws Exception {
    String name = "minimum-hold/kept/" + deployment + "/" + driver;
    RedisKeys keys = RedisKeys.of("lockkit", name);
    RedisServer node = deployment.nodeOf(keys.lock());
    try (Holder holder = Holder.connect(deployment, driver);
         LockClient other = Locks.connect(deployment.uri() + "?driver=" + driver)) {
      Holder.Acquired acquired = holder.acquire(name);
      BackendLease lease = acquired.lease();
      String fenceBefore;
      try (Resp r = node.resp()) {
        fenceBefore = r.string("GET", keys.fence());
        r.call("SCRIPT", "FLUSH"); // the keep goes through NOSCRIPT and is sent whole, as after a restart
      }

      long sentAt = System.nanoTime();
      assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).as("kept").isTrue();

      try (Resp r = node.resp()) {
        assertThat((Long) r.call("PTTL", keys.lock())).as("the kept key's time to live")
            .isBetween(1L, KEEP.toMillis());
        assertThat(r.string("GET", keys.lock())).as("the kept key's value").isNotEqualTo(acquired.owner())
            .doesNotMatch("[0-9a-f]{32}");
        assertThat(r.string("GET", keys.fence())).as("the fence, untouched").isEqualTo(fenceBefore);
        assertThat((Long) r.call("PTTL", keys.fence())).as("the fence's retention, untouched")
            .isGreaterThan(Duration.ofMinutes(59).toMillis());
      }
      assertThat(lease.renew(LEASE).get(10, TimeUnit.SECONDS)).as("the old owner's renew").isFalse();
      assertThat(lease.confirm(LEASE).get(10, TimeUnit.SECONDS)).as("the old owner's confirm").isFalse();
      assertThat(lease.release().get(10, TimeUnit.SECONDS)).as("the old owner's release").isFalse();
      assertThat(lease.releaseKeeping(Duration.ofSeconds(20)).get(10, TimeUnit.SECONDS))
          .as("a second keep by the old owner").isFalse();
      try (Resp r = node.resp()) {
        assertThat((Long) r.call("PTTL", keys.lock())).as("the keep, not prolonged").isBetween(1L, KEEP.toMillis());
      }

      AtomicReference<Lease> next = new AtomicReference<>();
      await("the lock free again").atMost(KEEP.plus(Duration.ofSeconds(10))).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            Optional<Lease> l = other.lock(name).tryAcquire();
            l.ifPresent(next::set);
            return l.isPresent();
          });
      long freeAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
      log.info("{} {}: a kept lock was taken by a polling tryAcquire {} ms after the keep of {} ms was sent",
          deployment, driver, freeAfter, KEEP.toMillis());
      assertThat(freeAfter).as("ms until another client got the kept lock")
          .isGreaterThanOrEqualTo(KEEP.toMillis() - CLOCK_SLACK_MILLIS)
          .isLessThan(KEEP.plus(PROMPTLY).toMillis());
      try (Lease l = next.get()) {
        assertThat(l.fencingToken()).isGreaterThan(lease.fencingToken());
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("deploymentsWithSentinel")
  void aWaiterFromBeforeTheKeepGetsTheLockSoonAfterItsEndNotAtTheOldLeasesEnd(Deployment deployment,
      String driver) throws Exception {
    String name = "minimum-hold/waiter/" + deployment + "/" + driver;
    CountingTries tries = new CountingTries();
    try (Holder holder = Holder.connect(deployment, driver);
         LockClient waiting = LockClients.create(LockOptions.defaults(), context -> RedisBackend.open(
             RedisSettings.parse(URI.create(deployment.uri() + "?driver=" + driver)), context,
             (settings, timeout, client, listener) -> tries.around(Drivers.forName(driver).open(settings, timeout,
                 client, listener))))) {
      BackendLease lease = holder.acquire(name).lease();
      CompletableFuture<Lease> waiter = waiting.lock(name).acquireAsync(LEASE.multipliedBy(2));
      // the first try found it held, the second (once subscribed) too: the fallback re-check is at the lease's end
      await("the waiter waits, subscribed").atMost(Duration.ofSeconds(20)).until(() -> tries.held.get() >= 2);
      assertThat(waiter).isNotDone();

      long sentAt = System.nanoTime();
      assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).as("kept").isTrue();
      try (Lease next = waiter.get(KEEP.plus(PROMPTLY).plus(Duration.ofSeconds(5)).toMillis(),
          TimeUnit.MILLISECONDS)) {
        long after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
        log.info("{} {}: a waiter got the kept lock {} ms after the keep of {} ms was sent ({} ms after its end "
            + "at the latest)", deployment, driver, after, KEEP.toMillis(), after - KEEP.toMillis());
        assertThat(after).as("ms until the waiter got the kept lock")
            .isGreaterThanOrEqualTo(KEEP.toMillis() - CLOCK_SLACK_MILLIS)
            .isLessThan(KEEP.plus(PROMPTLY).toMillis());
        assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("deployments")
  void keepingALeaseNoLongerHeldKeepsNothingAndLeavesTheNewHolderAlone(Deployment deployment, String driver)
      throws Exception {
    String name = "minimum-hold/not-held/" + deployment + "/" + driver;
    RedisKeys keys = RedisKeys.of("lockkit", name);
    RedisServer node = deployment.nodeOf(keys.lock());
    try (Holder holder = Holder.connect(deployment, driver);
         LockClient other = Locks.connect(deployment.uri() + "?driver=" + driver)) {
      // expired: nothing is created
      BackendLease expired = holder.acquire(name, Duration.ofMillis(200)).lease();
      await("the short lease expired").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            try (Resp r = node.resp()) {
              return Long.valueOf(0).equals(r.call("EXISTS", keys.lock()));
            }
          });
      assertThat(expired.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).as("keep of an expired lease").isFalse();
      try (Resp r = node.resp()) {
        assertThat(r.call("EXISTS", keys.lock())).as("the lock key after keeping an expired lease").isEqualTo(0L);
      }

      // released, then taken by another client: its holding stays as it is
      BackendLease released = holder.acquire(name).lease();
      assertThat(released.release().get(10, TimeUnit.SECONDS)).isTrue();
      try (Lease taken = other.lock(name).acquire(Duration.ofSeconds(5))) {
        String value;
        long pttl;
        try (Resp r = node.resp()) {
          value = r.string("GET", keys.lock());
          pttl = (Long) r.call("PTTL", keys.lock());
        }
        assertThat(released.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).as("keep of a released lease")
            .isFalse();
        try (Resp r = node.resp()) {
          assertThat(r.string("GET", keys.lock())).as("the new holder's token").isEqualTo(value);
          assertThat((Long) r.call("PTTL", keys.lock())).as("the new holder's lease").isGreaterThan(KEEP.toMillis())
              .isLessThanOrEqualTo(pttl);
        }
        assertThat(taken.isValid()).isTrue();
      }
      try (Resp r = node.resp()) {
        assertThat(r.call("EXISTS", keys.lock())).as("the new holder released").isEqualTo(0L);
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("deployments")
  void aKeptLockOutlivesItsHoldersCrash(Deployment deployment, String driver) throws Exception {
    String name = "minimum-hold/crash/" + deployment + "/" + driver;
    RedisKeys keys = RedisKeys.of("lockkit", name);
    RedisServer node = deployment.nodeOf(keys.lock());
    try (Holder holder = Holder.connect(deployment, driver);
         LockClient other = Locks.connect(deployment.uri() + "?driver=" + driver)) {
      BackendLease lease = holder.acquire(name).lease();
      long sentAt = System.nanoTime();
      assertThat(lease.releaseKeeping(KEEP).get(10, TimeUnit.SECONDS)).as("kept").isTrue();
      LockClients.crash(holder.client);

      assertThat(other.lock(name).tryAcquire()).as("a try right after the holder crashed").isEmpty();
      try (Resp r = node.resp()) {
        assertThat((Long) r.call("PTTL", keys.lock())).as("the kept key after the crash")
            .isBetween(1L, KEEP.toMillis());
      }
      try (Lease next = other.lock(name).acquire(KEEP.plus(PROMPTLY).plus(Duration.ofSeconds(5)))) {
        long after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
        log.info("{} {}: a waiter from after the keep got the lock kept by a crashed holder {} ms after the keep of "
            + "{} ms was sent", deployment, driver, after, KEEP.toMillis());
        assertThat(after).as("ms until another client got the lock kept by a crashed holder")
            .isGreaterThanOrEqualTo(KEEP.toMillis() - CLOCK_SLACK_MILLIS)
            .isLessThan(KEEP.plus(PROMPTLY).toMillis());
        assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
      }
    }
  }

  /** A client whose backend the test drives directly, to hold leases of the backend itself. */
  private static final class Holder implements AutoCloseable {
    record Acquired(BackendLease lease, String owner) {}

    final LockClient client;
    final RedisBackend backend;

    private Holder(LockClient client, RedisBackend backend) {
      this.client = client;
      this.backend = backend;
    }

    static Holder connect(Deployment deployment, String driver) {
      AtomicReference<RedisBackend> backend = new AtomicReference<>();
      LockClient client = LockClients.create(LockOptions.defaults(), context -> {
        backend.set(RedisBackend.open(RedisSettings.parse(URI.create(deployment.uri() + "?driver=" + driver)),
            context, Drivers.forName(driver)));
        return backend.get();
      });
      return new Holder(client, backend.get());
    }

    Acquired acquire(String name) throws Exception {
      return acquire(name, LEASE);
    }

    Acquired acquire(String name, Duration leaseTime) throws Exception {
      byte[] bits = new byte[16];
      RANDOM.nextBytes(bits);
      String owner = HexFormat.of().formatHex(bits);
      BackendLease lease = backend.acquire(new AcquireRequest("lockkit", name, owner, leaseTime, false, NO_EVENTS))
          .get(10, TimeUnit.SECONDS);
      assertThat(lease).as("the lock '" + name + "' taken").isNotNull();
      return new Acquired(lease, owner);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  private static final LeaseEvents NO_EVENTS = new LeaseEvents() {
    @Override
    public void seenHeld() {}

    @Override
    public void suspended() {}

    @Override
    public void resumed() {}

    @Override
    public void lost(String reason, @Nullable Throwable cause) {}
  };

  /** Around a real driver: counts the acquire tries that came back finding the lock held. */
  private static final class CountingTries {
    final AtomicInteger held = new AtomicInteger();

    RedisDriver around(RedisDriver real) {
      return new RedisDriver() {
        @Override
        public boolean sharded() {
          return real.sharded();
        }

        @Override
        public CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args) {
          return counted(sha.equals(Scripts.ACQUIRE.sha()), real.evalsha(sha, keys, args));
        }

        @Override
        public CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args) {
          return counted(script.equals(Scripts.ACQUIRE.source()), real.eval(script, keys, args));
        }

        private CompletableFuture<List<Long>> counted(boolean acquire, CompletableFuture<List<Long>> answer) {
          if (!acquire) {
            return answer;
          }
          // the second held answer is counted just before the waiter arms its re-check at the lease's end: a keep
          // published in between makes it try again at once, which ends the same way
          return answer.thenApply(reply -> {
            if (!reply.isEmpty() && reply.get(0) == 0L) {
              held.incrementAndGet();
            }
            return reply;
          });
        }

        @Override
        public CompletableFuture<ReplicatedReply> evalAndWait(Scripts.Script script, List<String> keys,
            List<String> args, Predicate<List<Long>> waitIf, int replicas, long timeoutMillis) {
          return real.evalAndWait(script, keys, args, waitIf, replicas, timeoutMillis);
        }

        @Override
        public CompletableFuture<Void> subscribe(String channel) {
          return real.subscribe(channel);
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String channel) {
          return real.unsubscribe(channel);
        }

        @Override
        public void close() {
          real.close();
        }
      };
    }
  }
}
