package dev.lockkit.zookeeper;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import dev.lockkit.spi.LockClients;
import dev.lockkit.spi.LockProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides the {@code zookeeper} scheme: locks held by ephemeral-sequential nodes of one ZooKeeper session per
 * client, on Apache Curator.
 *
 * <pre>{@code
 * zookeeper://[user:secret@]host1[:port][,host2[:port]...][/chroot][?parameter=value&...]
 * }</pre>
 *
 * <ul>
 *   <li><b>hosts</b>: one or more, separated by {@code ,}; the port defaults to 2181. IPv6 addresses go in
 *       brackets, as in {@code [::1]:2181}.
 *   <li><b>chroot</b> (optional path): every lockkit node lives below it, as
 *       {@code <chroot>/<namespace>/<lock name>/_c_<guid>-lock-<sequence>}, where the namespace is
 *       {@link LockOptions#namespace()}. In the lock name, a letter outside the Basic Multilingual Plane is
 *       written {@code %XXXXXX} (its code point), and so is the first character of a segment shaped like a lock
 *       node (as in {@code a/lock-0000000000}), which would otherwise stand in lock {@code a}'s queue. Missing
 *       parents are created as container nodes, which the server deletes once they are empty, so no empty
 *       parents pile up.
 *   <li><b>user:secret</b> (optional, percent-encoded): authenticates with ZooKeeper's {@code digest} scheme
 *       and creates every node with an ACL that gives that identity all rights and everyone else only read:
 *       no other identity can create, delete or change lockkit's nodes below parents this client created.
 *       Parents created before without ACLs keep theirs.
 *   <li><b>sessionTimeout</b> (default 30s): the session asked of the server, which clamps it to its own
 *       bounds (by default 2 to 20 ticks); the lease time is capped at what it grants (see below). A holder
 *       that dies without closing its client keeps its locks until its session expires.
 *   <li><b>connectionTimeout</b> (default: the command timeout): how long one operation waits for a
 *       connection before it counts as failed and is retried.
 *   <li><b>maxRetries</b> (default 3) and <b>retryBaseSleep</b> (default 100ms): Curator's exponential
 *       back-off for operations that met a connection loss.
 * </ul>
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 2m}, plain milliseconds or ISO-8601
 * ({@code PT30S}). Unknown parameters are refused.
 *
 * <p>Connecting blocks until the session is established, at most {@link LockOptions#commandTimeout()}, else
 * fails with a {@link dev.lockkit.LockBackendException} naming the ensemble and the timeout. A lease is held as
 * long as its node exists, which is as long as the session lives: the lease time bounds how long a holder may go
 * without the server confirming that (renewal reads the node); a suspended connection makes leases invalid until
 * the same session reconnects; an expired session makes them lost.
 *
 * <p>The lease time is capped at the session timeout the server <em>granted</em> (the server clamps the one
 * asked to its {@code minSessionTimeout} and {@code maxSessionTimeout}), so that a holder never trusts its lease
 * longer than the server keeps its session without hearing from it: {@link LockClient#options()} shows the
 * options in force. Everything else is kept (namespace, renewal on or off, cohorting on or off, local
 * hand-offs); a renewal interval longer than half the capped lease becomes a third of it, and a command timeout
 * longer than the capped lease minus the renewal interval becomes that bound, the longest it may be (connecting
 * itself waited the command timeout asked for). A change is logged once, at INFO.
 *
 * <p>The fencing token is the node's creation zxid ({@code czxid}), which grows across clients, parents
 * re-created and servers restarted. Messages and log lines show the URI without its {@code user:secret}.
 */
public final class ZooKeeperLockProvider implements LockProvider {

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperLockProvider.class);

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public ZooKeeperLockProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("zookeeper");
  }

  /**
   * Connects a client with its own ZooKeeper session.
   *
   * @param uri a {@code zookeeper://} URI as described above
   * @param options the client's options; the command timeout bounds connecting and every request
   * @return the connected client
   * @throws IllegalArgumentException if the URI is malformed, naming what is wrong
   * @throws dev.lockkit.LockBackendException if no server answered within the command timeout
   */
  @Override
  public LockClient connect(URI uri, LockOptions options) {
    return connect(uri, options, backend -> {});
  }

  /** Connects, showing the backend to tests of this package (session expiry needs the session's password). */
  LockClient connect(URI uri, LockOptions options, Consumer<? super ZooKeeperBackend> created) {
    Checks.notNull(uri, "uri");
    Checks.notNull(options, "options");
    Checks.argument(supports(uri), "uri must have the scheme zookeeper, was %s", ZkSettings.redact(uri));
    ZkSettings settings = ZkSettings.parse(uri, options);
    return create(ZkConnection.open(settings, options.commandTimeout()), options, created);
  }

  /**
   * A client on a connection that has a session: its options capped to the session granted (see
   * {@link #withinSession}). The connection is closed if this fails.
   */
  static LockClient create(ZkConnection connection, LockOptions options,
      Consumer<? super ZooKeeperBackend> created) {
    try {
      Duration granted = connection.sessionTimeout();
      LockOptions capped = withinSession(options, granted);
      if (!capped.equals(options)) {
        log.info("{} granted a session of {} (asked: {}): lock client options {} are now {}", connection.describe(),
            granted, connection.settings().sessionTimeout(), options, capped);
      }
      return LockClients.create(capped, context -> {
        ZooKeeperBackend backend = new ZooKeeperBackend(connection.settings(), context, connection);
        created.accept(backend);
        return backend;
      });
    } catch (RuntimeException | Error e) {
      connection.close();
      throw e;
    }
  }

  /**
   * The options with the lease time no longer than the session timeout the server granted (or
   * {@link LockOptions#MIN_LEASE_TIME}, should the session be shorter still), every other option
   * kept as far as the shorter lease allows. The session, not the lease time, is what keeps a lock node: a
   * session expires on the server once it went that long unheard from, so a holder that trusted its lease
   * longer (a process resuming from a pause longer than the session timeout, before its ZooKeeper client has
   * heard of the expiry) would believe it held a lock another client holds by now.
   *
   * <p>Namespace, renewal on or off, cohorting on or off and the number of local hand-offs are kept as they are.
   * A renewal interval longer than half the new lease time becomes a third of it (as its default would be). A
   * command timeout longer than the new lease time minus the renewal interval (the bound {@link LockOptions}
   * keeps) becomes that bound: the longest the shorter lease allows, never refused, since the options were
   * valid and only the server's session made them too long.
   *
   * @param options the options asked for
   * @param sessionTimeout the session timeout the server granted
   * @return {@code options} itself if its lease time fits the session, else the adjusted copy
   */
  static LockOptions withinSession(LockOptions options, Duration sessionTimeout) {
    if (options.leaseTime().compareTo(sessionTimeout) <= 0) {
      return options;
    }
    Duration lease = sessionTimeout.compareTo(LockOptions.MIN_LEASE_TIME) < 0 ? LockOptions.MIN_LEASE_TIME
        : sessionTimeout;
    LockOptions capped = options.toBuilder().leaseTime(lease).build();
    // LockOptions' bound of the command timeout: the lease minus the renewal interval (a third of the lease when
    // renewal is off); build() derived a copied timeout beyond it anew as a default, shorter than need be
    Duration longest = lease.minus(capped.renewalEnabled() ? capped.renewInterval() : lease.dividedBy(3));
    Duration command = options.commandTimeout().compareTo(longest) <= 0 ? options.commandTimeout() : longest;
    return command.equals(capped.commandTimeout()) ? capped
        : options.toBuilder().leaseTime(lease).commandTimeout(command).build();
  }
}
