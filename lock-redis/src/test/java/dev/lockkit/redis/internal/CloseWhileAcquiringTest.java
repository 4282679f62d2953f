package dev.lockkit.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.SharedServers;
import dev.lockkit.spi.LockClients;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client closed while one of its waiters has a try in flight: the holder's release goes out on close, the
 * try that was sent before it reaches the server after it and wins, and its answer comes back while the client
 * is closing. Nobody wants that lock any more; it must be released before the driver closes, not left to its
 * lease time. The race is made certain by a driver that holds that one try back until the release has run
 * and then delays its answer: every command still goes to a real server.
 */
class CloseWhileAcquiringTest {
  private static final Duration LONG_LEASE = Duration.ofSeconds(60);
  private static final long ANSWER_DELAY_MILLIS = 300;

  @ParameterizedTest
  @ValueSource(strings = {RedisSettings.LETTUCE, RedisSettings.JEDIS})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aTryThatWinsWhileTheClientClosesIsReleasedBeforeTheDriverCloses(String driver) throws Exception {
    String uri = SharedServers.standaloneUri() + "?driver=" + driver;
    String name = "close-while-acquiring/" + driver;
    LockOptions options = LockOptions.builder().leaseTime(LONG_LEASE).withoutCohorting().build();
    HeldBackTry held = new HeldBackTry();
    LockClient closing = LockClients.create(options, context -> RedisBackend.open(
        RedisSettings.parse(URI.create(uri)), context,
        (settings, timeout, clientId, listener) -> held.around(Drivers.forName(driver).open(settings, timeout,
            clientId, listener))));
    try (LockClient other = Locks.connect(uri, options)) {
      Lease lease = closing.lock(name).acquire(Duration.ofSeconds(5));
      held.armed.set(true);
      CompletableFuture<Lease> waiting = closing.lock(name).acquireAsync(Duration.ofSeconds(30));
      assertThat(held.heldBack.await(10, TimeUnit.SECONDS)).as("the waiter's try is held back").isTrue();

      closing.close();

      assertThat(lease.isValid()).isFalse();
      assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LockClientClosedException.class);
      assertThat(held.reply.get(10, TimeUnit.SECONDS)).as("the held-back try won the lock after the release")
          .hasSize(1); // a win is its fence alone
      // without waiting for that try, the driver was closed before its win could be released: 60 s
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        Optional<Lease> free = other.lock(name).tryAcquire();
        free.ifPresent(Lease::close);
        return free.isPresent();
      });
    } finally {
      closing.close();
    }
  }

  /** Around a real driver: holds back the first acquire try sent once armed, as a slow connection would. */
  private static final class HeldBackTry {
    final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch heldBack = new CountDownLatch(1);
    /** The held-back try's reply: it won if it is the fence alone. */
    final CompletableFuture<List<Long>> reply = new CompletableFuture<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    RedisDriver around(RedisDriver real) {
      return new RedisDriver() {
        @Override
        public boolean sharded() {
          return real.sharded();
        }

        @Override
        public CompletableFuture<List<Long>> evalsha(String sha, List<String> keys, List<String> args) {
          if (sha.equals(Scripts.ACQUIRE.sha()) && armed.compareAndSet(true, false)) {
            heldBack.countDown();
            // sent once the holder's release has run, answered a little later: closing is under way by then
            return released.thenCompose(v -> real.evalsha(sha, keys, args))
                .whenComplete((answer, e) -> {
                  if (e != null) {
                    reply.completeExceptionally(e);
                  } else {
                    reply.complete(answer);
                  }
                })
                .thenCompose(reply -> CompletableFuture.supplyAsync(() -> reply,
                    CompletableFuture.delayedExecutor(ANSWER_DELAY_MILLIS, TimeUnit.MILLISECONDS)));
          }
          return ran(sha.equals(Scripts.RELEASE.sha()), real.evalsha(sha, keys, args));
        }

        @Override
        public CompletableFuture<List<Long>> eval(String script, List<String> keys, List<String> args) {
          return ran(script.equals(Scripts.RELEASE.source()), real.eval(script, keys, args)); // after NOSCRIPT
        }

        private CompletableFuture<List<Long>> ran(boolean release, CompletableFuture<List<Long>> answer) {
          if (release) {
            answer.thenRun(() -> released.complete(null));
          }
          return answer;
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
