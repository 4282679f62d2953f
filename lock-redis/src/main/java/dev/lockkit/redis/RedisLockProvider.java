package dev.lockkit.redis;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.redis.internal.Drivers;
import dev.lockkit.redis.internal.RedisBackend;
import dev.lockkit.redis.internal.RedisDriver;
import dev.lockkit.redis.internal.RedisSettings;
import dev.lockkit.spi.LockClients;
import dev.lockkit.spi.LockProvider;
import java.net.URI;
import java.util.Set;

/**
 * Provides the schemes {@code redis}, {@code rediss} (TLS), {@code redis-cluster} and {@code redis-sentinel}:
 *
 * <ul>
 *   <li>{@code redis://[user:password@]host[:port][/db][?options]}, port 6379 by default; a password without
 *       a user ({@code redis://:secret@host}) authenticates as the default user;
 *   <li>{@code rediss://...}: the same over TLS;
 *   <li>{@code redis-cluster://[user:password@]host:port[,host:port...][?options]}: seed nodes of a Redis
 *       Cluster;
 *   <li>{@code redis-sentinel://[user:password@]host[:port][,host[:port]...]/master[/db][?options]}: sentinels
 *       (port 26379 by default) that name the current primary of {@code master}; each connect and reconnect goes
 *       to the primary they name then, so the client follows a failover. The user and password are the data
 *       nodes'; sentinels that need their own are given {@code sentinelPassword=...} (and
 *       {@code sentinelUser=...} for an ACL user).
 * </ul>
 *
 * <p>Options: {@code driver=lettuce} (the default) or {@code driver=jedis}; {@code waitReplicas=N} to report an
 * acquisition only once {@code WAIT} confirmed that N replicas have it (else it is released again and the
 * attempt fails); {@code tls=true} for TLS on a cluster; {@code trustPem=/path/ca.pem} to trust the
 * certificates in a PEM file instead of the JVM's trust store.
 *
 * <p>The chosen driver's library must be on the class path: {@code io.lettuce:lettuce-core} or
 * {@code redis.clients:jedis}. This provider loads without either; only {@link #connect} needs one.
 */
public final class RedisLockProvider implements LockProvider {

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public RedisLockProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss", "redis-cluster", "redis-sentinel");
  }

  /**
   * Connects to the Redis server or cluster the URI names, with the driver it asks for.
   *
   * @param uri a {@code redis}, {@code rediss}, {@code redis-cluster} or {@code redis-sentinel} URI
   * @param options the client's options; the command timeout also bounds connecting
   * @return a connected client
   * @throws IllegalArgumentException if the URI is malformed, saying what is wrong
   * @throws dev.lockkit.LockBackendException if the server cannot be reached or refuses the client (wrong
   *     password, not a cluster) within the command timeout; through sentinels, also if none of them can be
   *     reached or they monitor no master of that name
   * @throws IllegalStateException if the driver's library, or a class it needs, is missing from the class path;
   *     the message names the driver and the Maven artifact to add
   */
  @Override
  public LockClient connect(URI uri, LockOptions options) {
    Checks.notNull(uri, "uri");
    Checks.notNull(options, "options");
    RedisSettings settings = RedisSettings.parse(uri);
    RedisDriver.Factory driver = Drivers.forName(settings.driver());
    return LockClients.create(options, context -> RedisBackend.open(settings, context, driver));
  }
}
