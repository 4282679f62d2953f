package dev.lockkit.redis.internal;

import dev.lockkit.LockBackendException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One try of the acquire script for {@code waitReplicas=N}: the script and {@code WAIT N} on one connection
 * ({@link RedisDriver#evalAndWait}), so that the count is of replicas that have this very write. A win that fewer
 * than N replicas acknowledged within the {@code WAIT} timeout (half the command timeout) is released again,
 * compare-and-delete, and the try fails with a {@link LockBackendException} once that release is through.
 *
 * <p>The two round trips together are bounded by twice the command timeout. A try that runs out of it fails, and
 * should its win still come back it is released then, so that no lock key outlives a try nobody waits for.
 */
final class ReplicatedAcquire {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedAcquire.class);
  /** The acquire script's win: only a win wrote something for replicas to acknowledge. */
  private static final Predicate<List<Long>> WON = Acquisition::won;

  private ReplicatedAcquire() {}

  /** The acquire script and {@code WAIT}: {fence} if enough replicas acknowledged, {lost, PTTL}, or a failure. */
  static CompletableFuture<List<Long>> tryAcquire(RedisBackend backend, RedisKeys keys, String owner,
      List<String> args) {
    int replicas = backend.settings().waitReplicas();
    Duration commandTimeout = backend.context().options().commandTimeout();
    long waitMillis = Math.max(1, commandTimeout.toMillis() / 2);
    Duration bound = commandTimeout.multipliedBy(2);
    CompletableFuture<ReplicatedReply> call;
    try {
      call = backend.driver().evalAndWait(Scripts.ACQUIRE, keys.acquireKeys(), args, WON, replicas, waitMillis);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    // tracked until its answer is handled: closing the client waits for it, and for the release of a late win
    backend.track(call);
    CompletableFuture<List<Long>> result = new CompletableFuture<>();
    ScheduledFuture<?> timer = schedule(backend, () -> result.completeExceptionally(new LockBackendException(
        "no answer from " + backend.describe() + " within " + bound + " to the acquire script and WAIT on '"
            + keys.lock() + "'", new TimeoutException())), bound);
    call.whenComplete((answer, failure) -> {
      if (timer != null) {
        timer.cancel(false);
      }
      if (failure != null) {
        result.completeExceptionally(failure);
        return;
      }
      List<Long> reply = answer.reply();
      if (!WON.test(reply)) {
        result.complete(reply);
        return;
      }
      if (answer.acked() >= replicas) {
        if (!result.complete(reply)) {
          release(backend, keys, owner, "a win that came after its try had timed out");
        }
        return;
      }
      release(backend, keys, owner, "a win too few replicas acknowledged").whenComplete((ok, e) ->
          result.completeExceptionally(new LockBackendException("'" + keys.lock() + "' was won on "
              + backend.describe() + " but only " + answer.acked() + " of " + replicas
              + " replicas acknowledged it within " + waitMillis + " ms; it was released again", null)));
    });
    return result;
  }

  private static CompletableFuture<Boolean> release(RedisBackend backend, RedisKeys keys, String owner, String what) {
    return backend.release(keys, owner).whenComplete((ok, e) -> {
      if (e != null) {
        log.debug("Release of {} on '{}' failed; its lease time ends it", what, keys.lock(), e);
      }
    });
  }

  private static @Nullable ScheduledFuture<?> schedule(RedisBackend backend, Runnable task, Duration delay) {
    try {
      return backend.context().scheduler().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null; // the client is closing: the driver's own command timeouts still bound the call
    }
  }
}
