package dev.lockkit.redis.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;

/**
 * Jedis's subscription loop blocks its thread, so one thread of the driver's own runs it on a connection of
 * its own, started with the first subscription. It stays subscribed to a private anchor channel (under the
 * client's namespace, so that an ACL user limited to it may subscribe) so that the loop outlives the lock
 * channels coming and going, and reconnects when the connection breaks, subscribing every wanted channel
 * again. The listener is told of each channel's confirmation, whose waiters then look again.
 * Closing closes the socket, which ends the loop at once.
 */
final class JedisSubscriber implements JedisSubscriptions {
  private static final Logger log = LoggerFactory.getLogger(JedisSubscriber.class);

  private final Supplier<Connection> connector;
  private final String server;
  private final RedisDriver.Listener listener;
  private final long backoffMillis;
  private final String threadName;
  private final String anchor;
  private final CountDownLatch closing = new CountDownLatch(1);

  private final Object lock = new Object();
  // guarded by lock
  private final Set<String> wanted = new LinkedHashSet<>();
  private final Map<String, ArrayDeque<CompletableFuture<Void>>> pending = new HashMap<>();
  private @Nullable Thread thread;
  private @Nullable Connection current;
  private @Nullable Loop active;
  private boolean closed;
  private boolean everSubscribed;
  /** Failed connects since the connection broke; 0 while subscribed. Only the loop's thread touches it. */
  private int failures;

  JedisSubscriber(Supplier<Connection> connector, String server, String namespace, RedisDriver.Listener listener,
      java.time.Duration timeout, String threadName) {
    this.connector = connector;
    // no braces: never the channel of a lock, <namespace>:{<name>}:released
    this.anchor = namespace + ":anchor:" + UUID.randomUUID();
    this.server = server;
    this.listener = listener;
    this.backoffMillis = Math.max(10, Math.min(1000, timeout.toMillis()));
    this.threadName = threadName;
  }

  @Override
  public CompletableFuture<Void> subscribe(String channel) {
    CompletableFuture<Void> confirmed = new CompletableFuture<>();
    Loop loop;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the Jedis driver is closed"));
      }
      wanted.add(channel);
      pending.computeIfAbsent(channel, c -> new ArrayDeque<>()).add(confirmed);
      if (thread == null) {
        Thread t = new Thread(this::run, threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
      }
      loop = active;
      // a loop that is not subscribed yet sends every wanted channel once its anchor is confirmed
      if (loop != null && loop.isSubscribed()) {
        send(loop, true, channel);
      }
    }
    return confirmed;
  }

  @Override
  public void unsubscribe(String channel) {
    synchronized (lock) {
      wanted.remove(channel);
      Loop loop = active;
      if (loop != null && loop.isSubscribed()) {
        send(loop, false, channel);
      }
    }
  }

  private void send(Loop loop, boolean subscribe, String... channels) {
    try {
      if (subscribe) {
        loop.subscribe(channels);
      } else {
        loop.unsubscribe(channels);
      }
    } catch (RuntimeException e) {
      // the loop is failing; the next one subscribes to everything wanted
      log.debug("Sending a (un)subscription failed", e);
    }
  }

  private void run() {
    while (!isClosed()) {
      Connection connection = null;
      try {
        connection = connector.get();
        Loop loop = new Loop();
        String[] channels;
        synchronized (lock) {
          if (closed) {
            JedisClients.discard(connection);
            return;
          }
          current = connection;
          active = loop;
          List<String> all = new ArrayList<>();
          all.add(anchor);
          all.addAll(wanted);
          loop.sent.addAll(all);
          channels = all.toArray(String[]::new);
        }
        loop.proceed(connection, channels);
      } catch (RuntimeException e) {
        if (!isClosed()) {
          // one line for the outage, however many reconnects it takes; the recovery gets one more
          if (failures++ == 0) {
            log.warn("Subscription connection to {} lost, reconnecting every {} ms: {}", server, backoffMillis,
                e.toString());
          } else {
            log.debug("Subscription connection to {} still down, attempt {}: {}", server, failures, e);
          }
        }
      } finally {
        synchronized (lock) {
          active = null;
          current = null;
        }
        if (connection != null) {
          JedisClients.discard(connection);
        }
      }
      try {
        if (closing.await(backoffMillis, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  @Override
  public void close() {
    Thread t;
    List<CompletableFuture<Void>> toFail = new ArrayList<>();
    synchronized (lock) {
      closed = true;
      closing.countDown();
      t = thread;
      Connection c = current;
      if (c != null) {
        JedisClients.discard(c); // ends the blocking read of the loop
      }
      pending.values().forEach(toFail::addAll);
      pending.clear();
    }
    for (CompletableFuture<Void> f : toFail) {
      f.completeExceptionally(new IllegalStateException("the Jedis driver was closed"));
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One connection's subscription loop. */
  private final class Loop extends JedisPubSub {
    final Set<String> sent = new HashSet<>();

    @Override
    public void onSubscribe(String channel, int subscribedChannels) {
      if (anchor.equals(channel)) {
        boolean reconnected;
        synchronized (lock) {
          reconnected = everSubscribed;
          everSubscribed = true;
          List<String> missing = new ArrayList<>();
          for (String w : wanted) {
            if (!sent.contains(w)) {
              missing.add(w);
            }
          }
          if (!missing.isEmpty()) {
            send(this, true, missing.toArray(String[]::new));
          }
        }
        if (reconnected && failures > 0) {
          log.info("Subscription connection to {} re-established", server);
        }
        failures = 0;
        return;
      }
      List<CompletableFuture<Void>> done;
      synchronized (lock) {
        ArrayDeque<CompletableFuture<Void>> queue = pending.remove(channel);
        done = queue == null ? List.of() : new ArrayList<>(queue);
      }
      for (CompletableFuture<Void> f : done) {
        f.complete(null);
      }
      listener.subscribed(channel);
    }

    @Override
    public void onMessage(String channel, String message) {
      listener.message(channel, message);
    }
  }
}
