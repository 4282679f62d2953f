package dev.lockkit.redis.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription per lock name per client, shared by all of the client's waiters on that name: subscribed
 * when the first waiter joins, unsubscribed when the last one leaves. Lock order: an {@link Acquisition}'s
 * monitor may be held when calling in here, never the other way round.
 */
final class Subscriptions implements RedisDriver.Listener {
  private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

  private static final class Channel {
    final Set<Acquisition> waiters = new LinkedHashSet<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
  }

  private final RedisBackend backend;
  private final Map<String, Channel> channels = new HashMap<>();
  private boolean closed;

  Subscriptions(RedisBackend backend) {
    this.backend = backend;
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

  /** Removes a waiter; the last one to leave unsubscribes. */
  synchronized void leave(String name, Acquisition waiter) {
    Channel channel = channels.get(name);
    if (channel == null || !channel.waiters.remove(waiter) || !channel.waiters.isEmpty()) {
      return;
    }
    channels.remove(name);
    if (!closed) {
      backend.bounded(() -> backend.driver().unsubscribe(name)).whenComplete((ok, e) -> {
        if (e != null) {
          log.debug("Unsubscribing from {} failed", name, e);
        }
      });
    }
  }

  private synchronized void forget(String name, Channel channel) {
    if (channels.get(name) == channel) {
      channels.remove(name);
    }
  }

  @Override
  public void message(String name) {
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

  @Override
  public void reconnected() {
    List<Acquisition> toWake = new ArrayList<>();
    synchronized (this) {
      for (Channel channel : channels.values()) {
        toWake.addAll(channel.waiters);
      }
    }
    log.debug("Subscription connection to {} re-established; {} waiters look again", backend.describe(),
        toWake.size());
    for (Acquisition waiter : toWake) {
      waiter.wake();
    }
  }

  synchronized void close() {
    closed = true;
    channels.clear();
  }
}
