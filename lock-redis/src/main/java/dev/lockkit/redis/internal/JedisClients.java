package dev.lockkit.redis.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.providers.ConnectionProvider;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Jedis clients built only from what Jedis 5.2 to 8 all have, so that one adapter serves every supported
 * version ({@link JedisVersion}): {@code JedisPooled} is gone in 8, {@code RedisClient} and
 * {@code RedisClusterClient} came after 7.0, {@code SslOptions} after 5.2, {@code UnifiedJedis.info} after 5.2,
 * {@code JedisSentineled} is gone in 8 ({@code SentineledConnectionProvider} is in all).
 */
final class JedisClients {
  private static final Logger log = LoggerFactory.getLogger(JedisClients.class);

  private JedisClients() {}

  /**
   * Ends a subscription connection for good: marked broken and closed, so that a connection borrowed from a pool
   * (an application's client's) is destroyed there instead of going back subscribed, and one of lockkit's own is
   * disconnected. Closing the socket also ends a subscription loop blocked reading it. Twice is harmless.
   */
  static void discard(Connection connection) {
    try {
      connection.setBroken();
      connection.close();
    } catch (RuntimeException e) {
      log.debug("Closing a subscription connection failed", e);
    }
  }

  /**
   * The connection provider of an application's client: where its pools are. {@link UnifiedJedis} keeps it in a
   * protected field, read here once: Jedis has no public way to borrow a connection of a client for commands that
   * must share one ({@code WAIT} after a script) or for a subscription of lockkit's own that the client's other
   * commands must not meet (every Jedis from 5.2 to 8 has the field).
   *
   * @throws UnfitClient if the field cannot be read (a Jedis that changed it, a module that does not open it)
   */
  static ConnectionProvider providerOf(UnifiedJedis client) {
    try {
      java.lang.reflect.Field field = UnifiedJedis.class.getDeclaredField("provider");
      field.setAccessible(true);
      Object provider = field.get(client);
      if (provider instanceof ConnectionProvider p) {
        return p;
      }
      throw new UnfitClient("client must be a UnifiedJedis with a connection provider (JedisPooled, RedisClient, "
          + "JedisCluster, RedisClusterClient, JedisSentineled, RedisSentinelClient), was a " + client.getClass().getName()
          + " without one");
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (e instanceof UnfitClient u) {
        throw u;
      }
      throw new UnfitClient("lockkit cannot reach the connection pool of this " + client.getClass().getName()
          + " (UnifiedJedis.provider: " + e + "); lockkit supports Jedis " + JedisVersion.SUPPORTED, e);
    }
  }

  /** {@code INFO server} of one of the nodes that {@code provider} connects to. */
  static String serverInfo(ConnectionProvider provider) {
    try (Connection c = provider.getConnection()) {
      return SafeEncoder.encode((byte[]) c.executeCommand(new CommandArguments(Protocol.Command.INFO).add("server")));
    }
  }

  /** The node that serves {@code slot}, after a refresh of the slot table if {@code cluster} knows none. */
  static HostAndPort ownerOf(ClusterConnectionProvider cluster, int slot) {
    HostAndPort node = cluster.getNode(slot);
    if (node == null) {
      cluster.getConnectionFromSlot(slot).close(); // refreshes the slot table on a miss
      node = cluster.getNode(slot);
    }
    if (node == null) {
      throw new IllegalStateException("no cluster node serves slot " + slot);
    }
    return node;
  }

  /** A connection of {@code cluster}'s pool of {@code node}, for a subscription: {@link #discard} it after. */
  static Connection pooled(ClusterConnectionProvider cluster, HostAndPort node) {
    redis.clients.jedis.ConnectionPool pool = cluster.getNodes().get(node.toString());
    if (pool == null) {
      throw new IllegalStateException("the cluster client knows no node " + node + " (yet)");
    }
    return pool.getResource();
  }

  /** The client configuration: timeouts, client name, credentials, database, TLS. */
  static JedisClientConfig config(RedisSettings settings, Duration timeout, String clientId) {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(millis).socketTimeoutMillis(millis).clientName("lockkit-" + clientId);
    if (settings.password() != null) {
      b.user(settings.user()).password(settings.password());
    }
    if (!settings.cluster()) {
      b.database(settings.database());
    }
    if (settings.tls()) {
      tls(b, settings);
    }
    return b.build();
  }

  /**
   * TLS with the host name verified, the way every supported Jedis takes it: a socket factory and SSL parameters.
   * Jedis 8 deprecates them for {@code SslOptions}, which Jedis 5.2 lacks.
   */
  @SuppressWarnings("deprecation")
  private static void tls(DefaultJedisClientConfig.Builder b, RedisSettings settings) {
    SSLParameters parameters = new SSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    b.ssl(true).sslSocketFactory(socketFactory(settings)).sslParameters(parameters);
  }

  private static SSLSocketFactory socketFactory(RedisSettings settings) {
    if (settings.trustPem() == null) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(new ByteArrayInputStream(Tls.pkcs12(settings.trustPem(), Tls.STORE_PASSWORD)), Tls.STORE_PASSWORD);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot trust the certificates of trustPem " + settings.trustPem() + ": "
          + e, e);
    }
  }

  /** A pooled client of one server (what {@code JedisPooled} was, before Jedis 8 dropped it). */
  static UnifiedJedis standalone(HostAndPort node, JedisClientConfig config, GenericObjectPoolConfig<Connection> pool) {
    return new Standalone(node, config, pool);
  }

  /**
   * A connection of {@code client}'s pool to the server that holds {@code key} (on a cluster, the node that serves
   * its slot), for commands that must go out on one connection; closing it gives it back, or drops it if broken.
   */
  static Connection borrow(UnifiedJedis client, String key) {
    if (client instanceof Cluster cluster) {
      return cluster.getConnectionFromSlot(JedisClusterCRC16.getSlot(key));
    }
    if (client instanceof Standalone standalone) {
      return standalone.borrow();
    }
    if (client instanceof Sentineled sentineled) {
      return sentineled.sentinels.getConnection(); // from the pool of the primary the sentinels named last
    }
    throw new IllegalArgumentException("not a client of JedisClients: " + client);
  }

  private static final class Standalone extends UnifiedJedis {
    Standalone(HostAndPort node, JedisClientConfig config, GenericObjectPoolConfig<Connection> pool) {
      super(new PooledConnectionProvider(node, config, pool), config.getRedisProtocol());
    }

    Connection borrow() {
      return provider.getConnection();
    }
  }

  /**
   * The configuration for talking to the sentinels: their own credentials ({@code sentinelUser},
   * {@code sentinelPassword}), no database, and a timeout that is the command timeout shared among them, since
   * Jedis asks them one after the other when it connects.
   */
  static JedisClientConfig sentinelConfig(RedisSettings settings, Duration timeout, String clientId) {
    RedisSettings.Sentinel sentinel = settings.sentinel();
    long share = timeout.toMillis() / Math.max(1, settings.nodes().size());
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, share));
    DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(millis).socketTimeoutMillis(millis).clientName("lockkit-" + clientId)
        // RESP2, said explicitly: Jedis 8 warns on every sentinel connection (a Jedis) that leaves it open
        .protocol(RedisProtocol.RESP2);
    if (sentinel != null && sentinel.password() != null) {
      b.user(sentinel.user()).password(sentinel.password());
    }
    return b.build();
  }

  /**
   * A pooled client of the primary that the sentinels name: a {@link SentineledConnectionProvider} (what
   * {@code JedisSentineled} wraps in Jedis 5.2 to 7; Jedis 8 dropped that class), which listens to the sentinels'
   * {@code +switch-master} and moves its pool to the new primary.
   */
  static final class Sentineled extends UnifiedJedis {
    private final SentineledConnectionProvider sentinels;

    private Sentineled(SentineledConnectionProvider sentinels, JedisClientConfig config) {
      super(sentinels, config.getRedisProtocol());
      this.sentinels = sentinels;
    }

    /**
     * Asks the sentinels for the primary and connects a pool to it.
     *
     * @throws redis.clients.jedis.exceptions.JedisException if no sentinel answers, or none monitors the master
     */
    static Sentineled connect(RedisSettings settings, JedisClientConfig config, JedisClientConfig sentinelConfig,
        GenericObjectPoolConfig<Connection> pool) {
      Set<HostAndPort> nodes = new LinkedHashSet<>();
      for (RedisSettings.Node node : settings.nodes()) {
        nodes.add(new HostAndPort(node.host(), node.port()));
      }
      return new Sentineled(new SentineledConnectionProvider(settings.sentinel().master(), config, pool, nodes,
          sentinelConfig), config);
    }

    /** The primary the sentinels named last. */
    HostAndPort currentMaster() {
      return sentinels.getCurrentMaster();
    }
  }

  /**
   * A cluster client: a {@link JedisCluster} (deprecated in Jedis 8 for {@code RedisClusterClient}, which Jedis
   * 7.0 and older lack) that also tells which node serves a slot and what a node's {@code INFO server} says.
   */
  @SuppressWarnings("deprecation")
  static final class Cluster extends JedisCluster {
    Cluster(Set<HostAndPort> nodes, JedisClientConfig config, int maxAttempts, Duration maxTotalRetries,
        GenericObjectPoolConfig<Connection> pool) {
      super(nodes, config, maxAttempts, maxTotalRetries, pool);
    }

    /** The node that serves {@code slot}, after a refresh of the slot table if it knows none. */
    HostAndPort ownerOf(int slot) {
      return JedisClients.ownerOf((ClusterConnectionProvider) provider, slot);
    }

    /** {@code INFO server} of one of the nodes. */
    String serverInfo() {
      return JedisClients.serverInfo(provider);
    }
  }
}
