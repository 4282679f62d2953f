package dev.lockkit.redis.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisShardedPubSub;

/**
 * Sharded subscriptions ({@code SSUBSCRIBE}) on a Redis 7 cluster for Jedis: a shard channel is served only
 * by the node that owns its slot, so there is one subscription loop (a thread and a connection) per node
 * that has channels wanted, started on demand and closed when its last channel goes, rather than
 * unsubscribed to zero (which would end Jedis's loop under a concurrent subscribe). A loop that breaks
 * (node down, slot moved) is replaced after a short pause with the slot owners then current. The listener is
 * told of every confirmation, so that the waiters of a channel subscribed again look again once a release
 * would reach them.
 */
final class JedisShardedSubscriber implements JedisSubscriptions {
  private static final Logger log = LoggerFactory.getLogger(JedisShardedSubscriber.class);

  private final Function<String, HostAndPort> ownerOf;
  private final Function<HostAndPort, Connection> connector;
  private final RedisDriver.Listener listener;
  private final long backoffMillis;
  private final String threadName;
  private final CountDownLatch closing = new CountDownLatch(1);

  private final Object lock = new Object();
  // guarded by lock
  private final Map<HostAndPort, NodeLoop> loops = new HashMap<>();
  private final Map<String, NodeLoop> placed = new HashMap<>();
  private final Set<String> wanted = new HashSet<>();
  /** Nodes whose subscription broke and has not been confirmed since: their outage is logged already. */
  private final Set<HostAndPort> down = new HashSet<>();
  private boolean closed;

  JedisShardedSubscriber(Function<String, HostAndPort> ownerOf, Function<HostAndPort, Connection> connector,
      RedisDriver.Listener listener, java.time.Duration timeout, String threadName) {
    this.ownerOf = ownerOf;
    this.connector = connector;
    this.listener = listener;
    this.backoffMillis = Math.max(10, Math.min(1000, timeout.toMillis()));
    this.threadName = threadName;
  }

  @Override
  public CompletableFuture<Void> subscribe(String channel) {
    HostAndPort node;
    try {
      node = ownerOf.apply(channel);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the Jedis driver is closed"));
      }
      NodeLoop loop = loops.get(node);
      if (loop == null) {
        loop = new NodeLoop(node);
        loops.put(node, loop);
        loop.start();
      }
      wanted.add(channel);
      placed.put(channel, loop);
      return loop.add(channel);
    }
  }

  @Override
  public void unsubscribe(String channel) {
    synchronized (lock) {
      wanted.remove(channel);
      NodeLoop loop = placed.remove(channel);
      if (loop != null) {
        loop.remove(channel);
      }
    }
  }

  @Override
  public void close() {
    List<NodeLoop> all;
    synchronized (lock) {
      closed = true;
      closing.countDown();
      all = new ArrayList<>(loops.values());
      loops.clear();
      placed.clear();
    }
    for (NodeLoop loop : all) {
      loop.shut();
    }
    for (NodeLoop loop : all) {
      loop.join();
    }
  }

  /** A loop ended by itself: subscribe its channels again where their slots live now. */
  private void broken(NodeLoop loop, Set<String> channels) {
    synchronized (lock) {
      if (closed || loops.get(loop.node) != loop) {
        return;
      }
      loops.remove(loop.node);
      channels.forEach(placed::remove);
    }
    try {
      if (closing.await(backoffMillis, TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      return;
    }
    for (String channel : channels) {
      synchronized (lock) {
        if (!wanted.contains(channel) || placed.containsKey(channel)) {
          continue; // its waiters left meanwhile, or it was subscribed again already
        }
      }
      subscribe(channel).whenComplete((ok, e) -> {
        if (e != null) {
          log.debug("Subscribing again to {} failed", channel, e);
        }
      });
    }
  }

  /** The subscription loop on one node. Its fields are guarded by the subscriber's lock. */
  private final class NodeLoop extends JedisShardedPubSub {
    final HostAndPort node;
    final Set<String> channels = new LinkedHashSet<>();
    final Set<String> sent = new HashSet<>();
    final Map<String, ArrayDeque<CompletableFuture<Void>>> pending = new HashMap<>();
    @Nullable Connection connection;
    @Nullable Thread thread;
    boolean shut;
    boolean running;

    NodeLoop(HostAndPort node) {
      this.node = node;
    }

    void start() {
      Thread t = new Thread(this::run, threadName + "-" + node.getPort());
      t.setDaemon(true);
      thread = t;
      t.start();
    }

    CompletableFuture<Void> add(String channel) {
      CompletableFuture<Void> confirmed = new CompletableFuture<>();
      channels.add(channel);
      pending.computeIfAbsent(channel, c -> new ArrayDeque<>()).add(confirmed);
      if (running && sent.add(channel)) {
        send(channel);
      }
      return confirmed;
    }

    void remove(String channel) {
      channels.remove(channel);
      if (channels.isEmpty()) {
        // closing beats unsubscribing to zero: that would end the loop under a concurrent add
        loops.remove(node, this);
        shut();
      } else if (running) {
        sent.remove(channel);
        try {
          sunsubscribe(channel);
        } catch (RuntimeException e) {
          log.debug("SUNSUBSCRIBE {} failed", channel, e);
        }
      }
    }

    private void send(String channel) {
      try {
        ssubscribe(channel); // one channel per command: channels of different slots would be CROSSSLOT
      } catch (RuntimeException e) {
        log.debug("SSUBSCRIBE {} failed", channel, e);
      }
    }

    void shut() {
      Connection c;
      List<CompletableFuture<Void>> toFail = new ArrayList<>();
      synchronized (lock) {
        shut = true;
        c = connection;
        pending.values().forEach(toFail::addAll);
        pending.clear();
      }
      if (c != null) {
        c.close(); // ends the blocking read
      }
      for (CompletableFuture<Void> f : toFail) {
        f.completeExceptionally(new IllegalStateException("the subscription was closed"));
      }
    }

    void join() {
      Thread t = thread;
      if (t != null && t != Thread.currentThread()) {
        try {
          t.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private void run() {
      Connection c = null;
      try {
        c = connector.apply(node);
        String first;
        synchronized (lock) {
          if (shut || channels.isEmpty()) {
            return;
          }
          connection = c;
          first = channels.iterator().next();
          sent.add(first);
        }
        proceed(c, first);
      } catch (RuntimeException e) {
        if (!isShut()) {
          boolean first;
          synchronized (lock) {
            first = down.add(node);
          }
          // one line for the outage of a node, however many loops fail on it
          if (first) {
            log.warn("Sharded subscription connection to {} lost: {}", node, e.toString());
          } else {
            log.debug("Sharded subscription connection to {} still down: {}", node, e.toString());
          }
        }
      } finally {
        Set<String> left;
        List<CompletableFuture<Void>> toFail = new ArrayList<>();
        synchronized (lock) {
          running = false;
          connection = null;
          left = shut ? Set.of() : new LinkedHashSet<>(channels);
          if (!shut) {
            pending.values().forEach(toFail::addAll);
            pending.clear();
          }
        }
        if (c != null) {
          c.close();
        }
        if (!isShut()) {
          broken(this, left);
          // waiters whose subscription never got confirmed are subscribed again by broken(); fail theirs
          for (CompletableFuture<Void> f : toFail) {
            f.completeExceptionally(new IllegalStateException("the subscription connection to " + node + " broke"));
          }
        }
      }
    }

    private boolean isShut() {
      synchronized (lock) {
        return shut;
      }
    }

    @Override
    public void onSSubscribe(String channel, int subscribedChannels) {
      List<CompletableFuture<Void>> done;
      boolean back = false;
      synchronized (lock) {
        if (!running) {
          running = true;
          back = down.remove(node);
          for (String c : channels) {
            if (sent.add(c)) {
              send(c);
            }
          }
        }
        ArrayDeque<CompletableFuture<Void>> queue = pending.remove(channel);
        done = queue == null ? List.of() : new ArrayList<>(queue);
      }
      if (back) {
        log.info("Sharded subscription connection to {} re-established", node);
      }
      for (CompletableFuture<Void> f : done) {
        f.complete(null);
      }
      listener.subscribed(channel);
    }

    @Override
    public void onSMessage(String channel, String message) {
      listener.message(channel);
    }
  }
}
