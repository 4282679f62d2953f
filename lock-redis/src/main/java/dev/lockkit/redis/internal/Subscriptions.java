package dev.lockkit.redis.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription per lock name per client, shared by all of the client's waiters on that name: subscribed
 * when the first waiter joins, unsubscribed {@link #LINGER_NANOS} after the last one left, so that a lock
 * contended again meanwhile (two processes taking turns, as on a hot lock) costs no {@code SUBSCRIBE} and no
 * {@code UNSUBSCRIBE} per acquisition. Lock order: an {@link Acquisition}'s monitor may be held when calling in
 * here, never the other way round.
 */
final class Subscriptions implements RedisDriver.Listener {
  private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

  /** How long a channel stays subscribed after its last waiter left (checked every half of it). */
  static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final class Channel {
    final Set<Acquisition> waiters = new LinkedHashSet<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Whether the driver told of a confirmed subscription: any later one is a subscription sent again. */
    boolean confirmed;
    /** When the last waiter left, on the {@link System#nanoTime()} clock; meaningful while none is left. */
    long idleSince;
  }

  private final RedisBackend backend;
  private final Map<String, Channel> channels = new HashMap<>();
  private final @Nullable ScheduledFuture<?> sweep;
  private boolean closed;

  Subscriptions(RedisBackend backend, ScheduledExecutorService timer) {
    this.backend = backend;
    ScheduledFuture<?> task;
    try {
      task = timer.scheduleAtFixedRate(this::dropIdle, LINGER_NANOS / 2, LINGER_NANOS / 2, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      task = null; // the client is closing
    }
    this.sweep = task;
  }

  /** Adds a waiter to the channel; the future completes once the server confirmed the subscription. */
  synchronized CompletableFuture<Void> join(String name, Acquisition waiter) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the LockClient is closed"));
    }
    Channel channel = channels.get(name);
    if (channel == null) {
      Channel fresh = new Channel();
      channels.put(name, fresh);
      fresh.ready = backend.bounded(() -> backend.driver().subscribe(name));
      fresh.ready.whenComplete((ok, e) -> {
        if (e != null) {
          forget(name, fresh); // the next waiter subscribes afresh
        }
      });
      channel = fresh;
    }
    channel.waiters.add(waiter);
    return channel.ready;
  }

  /** Removes a waiter; once the last one has left, the channel lingers (see {@link #dropIdle}). */
  synchronized void leave(String name, Acquisition waiter) {
    Channel channel = channels.get(name);
    if (channel != null && channel.waiters.remove(waiter) && channel.waiters.isEmpty()) {
      channel.idleSince = System.nanoTime();
    }
  }

  /**
   * Unsubscribes the channels without waiters for {@link #LINGER_NANOS}; on the client's timer. Sent under this
   * monitor, so that a waiter joining afresh subscribes after the {@code UNSUBSCRIBE}, never before it.
   */
  private synchronized void dropIdle() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    for (Iterator<Map.Entry<String, Channel>> it = channels.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Channel> entry = it.next();
      Channel channel = entry.getValue();
      if (channel.waiters.isEmpty() && channel.ready.isDone() && now - channel.idleSince >= LINGER_NANOS) {
        it.remove();
        String name = entry.getKey();
        backend.bounded(() -> backend.driver().unsubscribe(name)).whenComplete((ok, e) -> {
          if (e != null) {
            log.debug("Unsubscribing from {} failed", name, e);
          }
        });
      }
    }
  }

  private synchronized void forget(String name, Channel channel) {
    if (channels.get(name) == channel) {
      channels.remove(name);
    }
  }

  /**
   * A release that granted the lock to a waiter ({@link Scripts#RELEASE}) is told to that waiter alone, if it is
   * this client's; the others have nothing to ask for, as the lock is held again. Any other message (a release
   * that freed the lock, a minimum hold) wakes every waiter of the channel.
   */
  @Override
  public void message(String name, String message) {
    if (message.startsWith(Scripts.GRANTED)) {
      granted(name, message);
      return;
    }
    List<Acquisition> toWake;
    synchronized (this) {
      Channel channel = channels.get(name);
      if (channel == null) {
        return;
      }
      toWake = new ArrayList<>(channel.waiters);
    }
    for (Acquisition waiter : toWake) {
      waiter.wake();
    }
  }

  private void granted(String name, String message) {
    int space = message.indexOf(' ', Scripts.GRANTED.length());
    long fence;
    try {
      fence = Long.parseLong(message, Scripts.GRANTED.length(), space, 10);
    } catch (RuntimeException e) {
      log.warn("Unreadable grant '{}' on {} of {}; ignored (the waiter finds its lock on its next look)", message,
          name, backend.describe());
      return;
    }
    String owner = message.substring(space + 1);
    Acquisition grantee = null;
    synchronized (this) {
      Channel channel = channels.get(name);
      if (channel == null) {
        return;
      }
      for (Acquisition waiter : channel.waiters) {
        if (waiter.owner().equals(owner)) {
          grantee = waiter;
          break;
        }
      }
    }
    if (grantee != null) {
      grantee.granted(fence);
    }
  }

  /**
   * A subscription confirmed. The first of a channel is followed by a try through {@link #join}'s future; a
   * later one is the driver's own re-subscription (after a reconnect, or on the new owner of a moved slot), and
   * a release published before it was not delivered: the channel's waiters look again now, once a release
   * from now on would reach them, rather than at the holder's lease end.
   */
  @Override
  public void subscribed(String name) {
    List<Acquisition> toWake;
    synchronized (this) {
      Channel channel = channels.get(name);
      if (channel == null) {
        return;
      }
      if (!channel.confirmed) {
        channel.confirmed = true;
        return;
      }
      toWake = new ArrayList<>(channel.waiters);
    }
    log.debug("Subscription to {} on {} confirmed again; {} waiters look again", name, backend.describe(),
        toWake.size());
    for (Acquisition waiter : toWake) {
      waiter.wake();
    }
  }

  synchronized void close() {
    closed = true;
    channels.clear();
    if (sweep != null) {
      sweep.cancel(false);
    }
  }
}
