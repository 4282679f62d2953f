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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
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
  /** The fence's retention as the acquire script's argument. */
  private final String fenceRetentionArg;
  private final CallBounds bounds;
  /** The driver fails every script call that has no answer within the command timeout by itself. */
  private final boolean driverBounds;
  /** What {@link #close} lets finish first. */
  private final InFlight inFlight = new InFlight();

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
    this.driverBounds = driver.boundsCommands();
    this.fenceRetentionArg = Long.toString(settings.fenceRetentionMillis());
    log.debug("Client {} connected to {} with {}; releases use {}", context.clientId(), settings.describe(),
        settings.driver(), publishCommand);
    checkEviction();
  }

  /**
   * Reads the server's eviction policy once, in the background, and warns if it may evict lockkit's keys: a
   * lock key carries a TTL, so under memory pressure a {@code volatile-*} or {@code allkeys-*} policy may drop a
   * held lock (a second owner gets in while the first still works). An evicted fence key does no harm: the
   * next token falls back on the clock, as after its retention.
   */
  private void checkEviction() {
    String probe = RedisKeys.of(context.options().namespace(), "eviction-check").lock();
    run(Scripts.EVICTION, List.of(probe), List.of(), null).whenComplete((reply, e) -> {
      if (e != null || reply == null || reply.size() < 2) {
        log.debug("Could not read the eviction policy of {} (INFO memory in a script); not checked", describe(), e);
        return;
      }
      long maxmemory = reply.get(0);
      int index = reply.get(1).intValue();
      String policy = index >= 0 && index < Scripts.POLICIES.size() ? Scripts.POLICIES.get(index) : "unknown";
      if (index == 0 || maxmemory == 0) {
        log.debug("{}: maxmemory {} bytes, maxmemory-policy {}: lockkit's keys are not evicted", describe(),
            maxmemory, policy);
        return;
      }
      log.warn("{} has maxmemory {} bytes and maxmemory-policy {}: once full it may evict {}, so a held lock can "
          + "vanish and a second owner get in while the first still works (their fencing tokens still tell them "
          + "apart). Set maxmemory-policy noeviction on the server that holds locks, or give locks a Redis of "
          + "their own", describe(), maxmemory, policy,
          policy.startsWith("volatile") ? "keys with a TTL, and every lock key has one" : "lock keys");
    });
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
   * @throws IllegalArgumentException if an application's driver client cannot serve lockkit (see
   *     {@link dev.lockkit.redis.RedisLocks})
   */
  public static RedisBackend open(RedisSettings settings, BackendContext context, RedisDriver.Factory factory) {
    try {
      return new RedisBackend(settings, context, factory);
    } catch (LockBackendException | UnfitClient e) {
      throw e;
    } catch (LinkageError e) {
      // a library or one of its dependencies missing from the class path: no retry will help
      throw Drivers.unusable(settings.driver(), e);
    } catch (RefusedConnect e) {
      Throwable cause = scrub(e.getCause(), settings);
      String reply = Redaction.text(e.reply(), settings.password());
      if (settings.sentinel() != null) {
        reply = Redaction.text(reply, settings.sentinel().password());
      }
      String hint = e.hint();
      throw new LockBackendException(settings.describe() + " refused the connection: "
          + (reply.endsWith(".") ? reply.substring(0, reply.length() - 1) : reply)
          + (hint == null ? "" : " (" + hint + ")"), cause);
    } catch (RuntimeException e) {
      Throwable cause = scrub(e, settings); // Lettuce names the user in its URIs
      throw new LockBackendException("could not connect to " + settings.describe() + " with the "
          + settings.driver() + " driver within " + context.options().commandTimeout() + ": " + cause, cause);
    }
  }

  @Override
  public CompletableFuture<BackendLease> acquire(AcquireRequest request) {
    Acquiring result = new Acquiring();
    new Acquisition(this, request, result, result.cleanedUp).start();
    return result;
  }

  @Override
  public CompletableFuture<Void> cleanedUp(CompletableFuture<BackendLease> acquisition) {
    return acquisition instanceof Acquiring a ? a.cleanedUp : CompletableFuture.completedFuture(null);
  }

  /** An acquisition's future, which knows when the clean-up after its caller gave up is done. */
  private static final class Acquiring extends CompletableFuture<BackendLease> {
    private final CompletableFuture<Void> cleanedUp = new CompletableFuture<>();
  }

  @Override
  public String describe() {
    return settings.describe();
  }

  @Override
  public void close() {
    inFlight.settle(commandTimeout, describe());
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

  /** Keeps {@link #close} from closing the driver under {@code command} until it is done. */
  <T> CompletableFuture<T> track(CompletableFuture<T> command) {
    return inFlight.track(command);
  }

  /** See {@link InFlight#begin}. */
  void beginInFlight() {
    inFlight.begin();
  }

  /** See {@link InFlight#end}. */
  void endInFlight() {
    inFlight.end();
  }

  /**
   * Runs {@code send}, which may send a command on the caller's thread ({@link dev.lockkit.internal.CallerWaits})
   * and then returns only once it is answered: {@link #close} waits for it from before it starts.
   */
  private <T> T trackedOnCaller(Supplier<T> send) {
    return inFlight.trackedOnCaller(send);
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

  /**
   * One try of the acquire script. With {@code waitReplicas} a win is answered only once that many replicas
   * acknowledged it, else it fails ({@link ReplicatedAcquire}, which also releases a win that comes too late).
   *
   * @param answer {fence} (won), {lost, holder's PTTL} or {yielded, ms the yield may last}, or a failure, within
   *     the command timeout
   * @param settled done once the driver is done with the try: answered or failed there, which may be after
   *     {@code answer} timed out. A try that timed out may still win when the server gets to it (a slow
   *     server, a command queued in the driver), so its clean-up release waits for this, not to overtake it.
   */
  record Try(CompletableFuture<List<Long>> answer, CompletableFuture<Void> settled) {}

  /**
   * The acquire script's flags argument ({@link Scripts#ACQUIRE}), by yields * 8 + announced * 4 + announces * 2
   * + accepts a grant.
   */
  private static final List<String> FLAGS = java.util.stream.IntStream.range(0, 16)
      .mapToObj(i -> String.valueOf(new char[] {bit(i, 8), bit(i, 4), bit(i, 2), bit(i, 1)})).toList();

  private static char bit(int flags, int bit) {
    return (flags & bit) == 0 ? '0' : '1';
  }

  /** A lease time and its script argument: most clients use one lease time, so it is formatted once. */
  private record LeaseArg(Duration lease, String millis) {}

  private volatile LeaseArg leaseArg = new LeaseArg(Duration.ZERO, "0");

  private String leaseArg(Duration lease) {
    LeaseArg last = leaseArg;
    if (last.lease().equals(lease)) {
      return last.millis();
    }
    LeaseArg arg = new LeaseArg(lease, Long.toString(millis(lease)));
    leaseArg = arg;
    return arg.millis();
  }

  /**
   * One try of the acquire script. {@code yields}: not while another client's waiter is announced, and no other
   * acquisition won since the fence was {@code yieldFence} (null on the first try that yields);
   * {@code announced}: this acquisition announced itself before (a win takes it out); {@code announces}: a refusal
   * announces it (a waiting acquisition; a single attempt does not wait). The announcement accepts a grant from
   * the holder's release ({@link Scripts#RELEASE}) if the client {@code renews} the lease (a grant's may be short)
   * and no win must wait for replicas, which a grant does not.
   */
  Try tryAcquire(RedisKeys keys, String owner, Duration lease, boolean yields, @Nullable Long yieldFence,
      boolean announced, boolean announces, boolean renews) {
    boolean grantable = announces && renews && settings.waitReplicas() == 0;
    String flags = FLAGS.get((yields ? 8 : 0) + (announced ? 4 : 0) + (announces ? 2 : 0) + (grantable ? 1 : 0));
    List<String> args = yields && yieldFence != null
        ? List.of(owner, leaseArg(lease), fenceRetentionArg, flags, Long.toString(yieldFence))
        : List.of(owner, leaseArg(lease), fenceRetentionArg, flags);
    if (settings.waitReplicas() > 0) {
      CompletableFuture<List<Long>> answer = ReplicatedAcquire.tryAcquire(this, keys, owner, args);
      return new Try(answer, answer.handle((r, e) -> null));
    }
    // the acquisition tracks the try, its outcome's handling included (Acquisition#attempt)
    CompletableFuture<Void> settled = new CompletableFuture<>();
    return new Try(runUntracked(Scripts.ACQUIRE, keys.acquireKeys(), args, settled), settled);
  }

  /** Takes back the announcement of an acquisition that gave up; tracked, so that it goes out as a client closes. */
  CompletableFuture<List<Long>> withdraw(RedisKeys keys, String owner) {
    return track(run(Scripts.WITHDRAW, keys.withdrawKeys(), List.of(owner, publishCommand), null));
  }

  CompletableFuture<Boolean> renew(RedisKeys keys, String owner, Duration lease) {
    return run(Scripts.RENEW, List.of(keys.lock()), List.of(owner, leaseArg(lease)), null)
        .thenApply(r -> r.get(0) == 1L);
  }

  CompletableFuture<Boolean> release(RedisKeys keys, String owner) {
    // tracked: a release started while the client closes (a lease won as its caller gave up, a cohort's
    // stale lease) must reach the server before the driver closes
    return track(run(Scripts.RELEASE, keys.releaseKeys(), List.of(owner, publishCommand, fenceRetentionArg), null))
        .thenApply(r -> r.get(0) == 1L);
  }

  /** See {@link Scripts#KEEP}; tracked as a release is, so that a keep sent as the client closes goes out. */
  CompletableFuture<Boolean> keep(RedisKeys keys, String owner, Duration keepFor) {
    return track(run(Scripts.KEEP, keys.keepKeys(), List.of(owner, Long.toString(millis(keepFor)), publishCommand),
        null)).thenApply(r -> r.get(0) == 1L);
  }

  /**
   * Runs a script by SHA; on NOSCRIPT (a restarted server, SCRIPT FLUSH) sends it whole, which reloads it. The
   * answer (both commands, if the second is needed) is bounded by the command timeout; {@code settled}, if given,
   * completes once the driver is done with the last command sent, however late that is. One future and one
   * callback per command: this runs twice per lock cycle.
   */
  private CompletableFuture<List<Long>> run(Scripts.Script script, List<String> keys, List<String> args,
      @Nullable CompletableFuture<Void> settled) {
    return trackedOnCaller(() -> runUntracked(script, keys, args, settled));
  }

  /** {@link #run}, for a caller that tracks the whole of it ({@link #trackedOnCaller}) itself. */
  private CompletableFuture<List<Long>> runUntracked(Scripts.Script script, List<String> keys, List<String> args,
      @Nullable CompletableFuture<Void> settled) {
    CompletableFuture<List<Long>> answer = new CompletableFuture<>();
    sendScript(script, keys, args, settled, answer);
    if (!answer.isDone() && !driverBounds) {
      // the driver's command is left alone, so that its late outcome can still be waited for (settled)
      bounds.bound(answer, () -> answer.completeExceptionally(
          backendFailure("the " + script.name() + " script on '" + keys.get(0) + "'", new TimeoutException())));
    }
    return answer;
  }

  private void sendScript(Scripts.Script script, List<String> keys, List<String> args,
      @Nullable CompletableFuture<Void> settled, CompletableFuture<List<Long>> answer) {
    send(() -> driver.evalsha(script.sha(), keys, args)).whenComplete((reply, failure) -> {
      if (failure != null && isNoScript(failure) && !answer.isDone()) {
        log.debug("Script {} missing on {}; sending it again", script.name(), describe());
        send(() -> driver.eval(script.source(), keys, args))
            .whenComplete((second, again) -> answered(answer, script, keys, second, again, settled));
        return;
      }
      answered(answer, script, keys, reply, failure, settled);
    });
  }

  private void answered(CompletableFuture<List<Long>> answer, Scripts.Script script, List<String> keys,
      @Nullable List<Long> reply, @Nullable Throwable failure, @Nullable CompletableFuture<Void> settled) {
    if (settled != null) {
      settled.complete(null);
    }
    if (failure == null) {
      answer.complete(reply);
    } else {
      answer.completeExceptionally(backendFailure("the " + script.name() + " script on '" + keys.get(0) + "'",
          failure));
    }
  }

  private static <T> CompletableFuture<T> send(java.util.function.Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
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
    boolean timedOut = t instanceof TimeoutException || driver.isTimeout(t);
    t = scrub(t, settings);
    if (timedOut) {
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

  /** The failure with the data nodes' password and the sentinels' own one left out of every message. */
  private static Throwable scrub(Throwable failure, RedisSettings settings) {
    Throwable t = Redaction.scrub(failure, settings.password());
    return settings.sentinel() == null ? t : Redaction.scrub(t, settings.sentinel().password());
  }

  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** Whether the server answered {@code NOSCRIPT}: the script must be sent whole. */
  static boolean isNoScript(Throwable failure) {
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
