package dev.lockkit.redis.internal;

import dev.lockkit.LockBackendException;
import dev.lockkit.internal.CallBounds;
import dev.lockkit.internal.Checks;
import dev.lockkit.spi.AcquireRequest;
import dev.lockkit.spi.BackendContext;
import dev.lockkit.spi.BackendLease;
import dev.lockkit.spi.LockBackend;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis side of one lockkit client, whatever the driver: runs the scripts (by SHA, reloading on
 * {@code NOSCRIPT}), hands out {@link RedisLease}s, and lets {@link Acquisition}s wait on shared
 * {@link Subscriptions}.
 */
public final class RedisBackend implements LockBackend {
  private static final Logger log = LoggerFactory.getLogger(RedisBackend.class);

  private final RedisSettings settings;
  private final BackendContext context;
  private final Duration commandTimeout;
  private final Subscriptions subscriptions;
  private final RedisDriver driver;
  private final String publishCommand;
  private final CallBounds bounds;
  /**
   * Tries of acquisitions and releases still under way, which {@link #close} lets finish: a try sent before
   * the client closed may still win the lock once the holder's release is through, and the release of that
   * unwanted win must go out before the driver closes, or the lock stays taken until its lease time ends.
   */
  private final Set<CompletableFuture<?>> unsettled = ConcurrentHashMap.newKeySet();

  private RedisBackend(RedisSettings settings, BackendContext context, RedisDriver.Factory factory) {
    this.settings = settings;
    this.context = context;
    this.commandTimeout = context.options().commandTimeout();
    this.bounds = new CallBounds(context.scheduler(), commandTimeout);
    this.subscriptions = new Subscriptions(this, context.scheduler());
    this.driver = factory.open(settings, commandTimeout,
        new RedisDriver.ClientInfo(context.clientId(), context.options().namespace()), subscriptions);
    // every client of a deployment must agree: sharded on a Redis 7+ cluster, plain elsewhere
    this.publishCommand = driver.sharded() ? "SPUBLISH" : "PUBLISH";
    log.debug("Client {} connected to {} with {}; releases use {}", context.clientId(), settings.describe(),
        settings.driver(), publishCommand);
  }

  /** Whether the server's version (from {@code INFO server}) has sharded pub/sub: 7 and newer. */
  static boolean hasShardedPubSub(String info) {
    for (String line : info.split("\\r?\\n")) {
      if (line.startsWith("redis_version:")) {
        String version = line.substring("redis_version:".length()).trim();
        try {
          return Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7;
        } catch (RuntimeException e) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Connects a backend.
   *
   * @throws LockBackendException if the server cannot be reached or refuses the client within the command
   *     timeout; when the server answered with an error (a wrong password, none, a database that does not
   *     exist), the message quotes it and says what to check
   * @throws IllegalStateException if the driver's library cannot be loaded (a class it needs is missing)
   */
  public static RedisBackend open(RedisSettings settings, BackendContext context, RedisDriver.Factory factory) {
    try {
      return new RedisBackend(settings, context, factory);
    } catch (LockBackendException e) {
      throw e;
    } catch (LinkageError e) {
      // a library or one of its dependencies missing from the class path: no retry will help
      throw Drivers.unusable(settings.driver(), e);
    } catch (RefusedConnect e) {
      Throwable cause = Redaction.scrub(e.getCause(), settings.password());
      String reply = Redaction.text(e.reply(), settings.password());
      String hint = e.hint();
      throw new LockBackendException(settings.describe() + " refused the connection: "
          + (reply.endsWith(".") ? reply.substring(0, reply.length() - 1) : reply)
          + (hint == null ? "" : " (" + hint + ")"), cause);
    } catch (RuntimeException e) {
      Throwable cause = Redaction.scrub(e, settings.password()); // Lettuce names the user in its URIs
      throw new LockBackendException("could not connect to " + settings.describe() + " with the "
          + settings.driver() + " driver within " + context.options().commandTimeout() + ": " + cause, cause);
    }
  }

  @Override
  public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
    CompletableFuture<BackendLease> result = new CompletableFuture<>();
    new Acquisition(this, request, result).start();
    return result;
  }

  @Override
  public String describe() {
    return settings.describe();
  }

  @Override
  public void close() {
    settleAcquisitions();
    closeConnections();
  }

  /** A crash: the connections close at once; a try in flight that wins keeps the lock until its lease time. */
  @Override
  public void abandon() {
    closeConnections();
  }

  private void closeConnections() {
    subscriptions.close();
    driver.close();
    bounds.close();
  }

  /**
   * Waits, at most the command timeout, until no acquisition has a command in flight and no release is under
   * way. The client has failed its waiters already, so none sends a new try; a try in flight that wins releases
   * the lock again, and that release is tracked too. Every tracked command is bounded by the command timeout
   * from its sending, and all but such late releases were sent before the client's own wait for its releases:
   * so this wait is short, except when a win comes back at the very end of that one.
   */
  private void settleAcquisitions() {
    long deadline = System.nanoTime() + commandTimeout.toNanos();
    while (!unsettled.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        log.debug("Closing {} with {} commands still in flight", describe(), unsettled.size());
        return;
      }
      try {
        CompletableFuture.allOf(unsettled.toArray(CompletableFuture[]::new)).get(left, TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        // a failed command is settled too
      } catch (TimeoutException e) {
        log.debug("Closing {} with {} commands still in flight", describe(), unsettled.size());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      // allOf completes before the removals registered on each command have run: drop the done ones here, so
      // that this loop does not spin on them; what completed meanwhile may have tracked a release, seen next
      unsettled.removeIf(CompletableFuture::isDone);
    }
  }

  /** Keeps {@link #close} from closing the driver under {@code command} until it is done. */
  <T> CompletableFuture<T> track(CompletableFuture<T> command) {
    if (!command.isDone()) {
      unsettled.add(command);
      command.whenComplete((r, e) -> unsettled.remove(command));
    }
    return command;
  }

  // ---- what leases and acquisitions use ----

  BackendContext context() {
    return context;
  }

  RedisSettings settings() {
    return settings;
  }

  Subscriptions subscriptions() {
    return subscriptions;
  }

  RedisDriver driver() {
    return driver;
  }

  /** One try of the acquire script: {won, fence} or {lost, holder's PTTL}. */
  CompletableFuture<List<Long>> tryAcquire(RedisKeys keys, String owner, Duration lease) {
    return run(Scripts.ACQUIRE, keys.acquireKeys(), List.of(owner, Long.toString(millis(lease))));
  }

  CompletableFuture<Boolean> renew(RedisKeys keys, String owner, Duration lease) {
    return run(Scripts.RENEW, List.of(keys.lock()), List.of(owner, Long.toString(millis(lease))))
        .thenApply(r -> r.get(0) == 1L);
  }

  CompletableFuture<Boolean> release(RedisKeys keys, String owner) {
    // tracked: a release started while the client closes (a lease won as its caller gave up, a cohort's
    // stale lease) must reach the server before the driver closes
    return track(run(Scripts.RELEASE, keys.releaseKeys(), List.of(owner, publishCommand)))
        .thenApply(r -> r.get(0) == 1L);
  }

  /** Runs a script by SHA; on NOSCRIPT (a restarted server, SCRIPT FLUSH) sends it whole, which reloads it. */
  private CompletableFuture<List<Long>> run(Scripts.Script script, List<String> keys, List<String> args) {
    CompletableFuture<List<Long>> first = bounded(() -> driver.evalsha(script.sha(), keys, args));
    return first.exceptionallyCompose(failure -> {
      if (isNoScript(failure)) {
        log.debug("Script {} missing on {}; sending it again", script.name(), describe());
        return bounded(() -> driver.eval(script.source(), keys, args));
      }
      return CompletableFuture.failedFuture(failure);
    }).exceptionallyCompose(failure -> CompletableFuture.failedFuture(
        backendFailure("the " + script.name() + " script on '" + keys.get(0) + "'", failure)));
  }

  /** A driver call, also bounded here in case the driver's own timeout does not cover a step. */
  <T> CompletableFuture<T> bounded(java.util.function.Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return bounds.bound(f.toCompletableFuture());
  }

  LockBackendException backendFailure(String what, Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof LockBackendException e) {
      return e;
    }
    t = Redaction.scrub(t, settings.password());
    if (t instanceof TimeoutException) {
      return new LockBackendException("no answer from " + describe() + " within " + commandTimeout + " to "
          + what, t);
    }
    return new LockBackendException(what + " failed on " + describe() + ": " + t, t);
  }

  /** Runs a completion on the client's timer thread, so that callers' callbacks never run on I/O threads. */
  void deliver(Runnable task) {
    // Inline on the driver's thread: the core only unparks a blocked caller or hands asynchronous callers to
    // the async pool, so no user code runs here, and a hop through the client's timer thread would add a
    // context switch to every acquisition.
    task.run();
  }

  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static boolean isNoScript(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  static long millis(Duration d) {
    return Math.max(1, Checks.toNanosSaturated(d) / 1_000_000L);
  }

  static @Nullable Long first(@Nullable List<Long> r) {
    return r == null || r.isEmpty() ? null : r.get(0);
  }
}
