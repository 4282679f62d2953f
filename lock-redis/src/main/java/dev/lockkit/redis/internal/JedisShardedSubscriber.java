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
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisShardedPubSub;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Sharded subscriptions ({@code SSUBSCRIBE}) on a Redis 7 cluster for Jedis: a shard channel is served only
 * by the node that owns its slot, so there is one subscription loop (a thread and a connection) per node
 * that has channels wanted, started on demand and closed when its last channel goes, rather than
 * unsubscribed to zero (which would end Jedis's loop under a concurrent subscribe). A loop that breaks
 * (node down) is replaced after a short pause with the slot owners then current. A channel that the server
 * unsubscribes by itself (it sends {@code SUNSUBSCRIBE} when the channel's slot moves to another node) is
 * subscribed again on the slot's new owner. The listener is told of every confirmation, so that the
 * waiters of a channel subscribed again look again once a release would reach them.
 */
final class JedisShardedSubscriber implements JedisSubscriptions {
  private static final Logger log = LoggerFactory.getLogger(JedisShardedSubscriber.class);

  private final Function<String, HostAndPort> ownerOf;
  private final Consumer<String> renewOwners;
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

  /**
   * @param ownerOf the node that serves a channel's slot, as the client's slot table says
   * @param renewOwners renews that table if it is out of date for a channel's slot (a command on the slot that a
   *     {@code MOVED} redirects); blocking, bounded by the command timeout
   */
  JedisShardedSubscriber(Function<String, HostAndPort> ownerOf, Consumer<String> renewOwners,
      Function<HostAndPort, Connection> connector, RedisDriver.Listener listener, java.time.Duration timeout,
      String threadName) {
    this.ownerOf = ownerOf;
    this.renewOwners = renewOwners;
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

  /**
   * The server unsubscribed {@code channel} from {@code node} by itself: its slot has moved. Subscribes it where
   * the slot lives now, after renewing the slot table if it still names {@code node}. On the loop's thread: the
   * renewal blocks it for at most the command timeout, and messages for the node's other channels wait meanwhile.
   */
  private void moved(String channel, HostAndPort node, List<CompletableFuture<Void>> unconfirmed) {
    renewIfOwnedBy(channel, node);
    boolean again;
    synchronized (lock) {
      // not if its waiters left meanwhile, or it was subscribed again already
      again = !closed && wanted.contains(channel) && !placed.containsKey(channel);
    }
    log.debug("{} unsubscribed {}: its slot moved{}", node, channel, again ? "; subscribing on its owner" : "");
    CompletableFuture<Void> confirmed = again ? subscribe(channel) : CompletableFuture.completedFuture(null);
    confirmed.whenComplete((ok, e) -> {
      if (e != null) {
        log.debug("Subscribing again to {} failed", channel, e);
      }
      for (CompletableFuture<Void> f : unconfirmed) {
        if (e == null) {
          f.complete(null);
        } else {
          f.completeExceptionally(e);
        }
      }
    });
  }

  /** Renews the slot table if it says that {@code node} serves the channel's slot, which it no longer does. */
  private void renewIfOwnedBy(String channel, HostAndPort node) {
    try {
      if (node.equals(ownerOf.apply(channel))) {
        renewOwners.accept(channel);
      }
    } catch (RuntimeException e) {
      log.debug("Renewing the slot table for {} failed", channel, e);
    }
  }

  /**
   * A loop ended by itself: subscribe its channels again where their slots live now; {@code redirected} if the
   * node answered {@code MOVED}, when the slot table is renewed first.
   */
  private void broken(NodeLoop loop, Set<String> channels, boolean redirected) {
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
      if (redirected) {
        renewIfOwnedBy(channel, loop.node);
      }
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
        JedisClients.discard(c); // ends the blocking read
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
      boolean redirected = false;
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
        redirected = e instanceof JedisRedirectionException; // an SSUBSCRIBE sent to a node the slot left
        if (redirected) {
          log.debug("Sharded subscription on {} redirected: {}", node, e.toString());
        } else if (!isShut()) {
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
          JedisClients.discard(c);
        }
        if (!isShut()) {
          broken(this, left, redirected);
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
    public void onSUnsubscribe(String channel, int subscribedChannels) {
      List<CompletableFuture<Void>> unconfirmed;
      synchronized (lock) {
        // one we unsubscribed is no longer among this loop's channels (unless wanted again since: then an
        // SSUBSCRIBE follows on this connection, and moving it only sends one more)
        if (shut || !channels.remove(channel)) {
          return;
        }
        sent.remove(channel);
        placed.remove(channel, this);
        ArrayDeque<CompletableFuture<Void>> queue = pending.remove(channel);
        unconfirmed = queue == null ? List.of() : new ArrayList<>(queue);
        if (channels.isEmpty()) {
          // as when our last channel goes: the server counts none left, and Jedis ends the loop by itself
          loops.remove(node, this);
          shut();
        }
      }
      moved(channel, node, unconfirmed);
    }

    @Override
    public void onSMessage(String channel, String message) {
      listener.message(channel, message);
    }
  }
}
