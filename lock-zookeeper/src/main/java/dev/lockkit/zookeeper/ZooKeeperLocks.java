package dev.lockkit.zookeeper;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.internal.Checks;
import org.apache.curator.framework.CuratorFramework;

/**
 * Lock clients on a Curator framework the application already has, configured with its own ensemble, session,
 * retry policy, ACLs and authorization: next to {@code Locks.connect("zookeeper://...")}, which makes a framework
 * of lockkit's own.
 *
 * <pre>{@code
 * CuratorFramework curator = ...;                   // the application's, started
 * try (LockClient locks = ZooKeeperLocks.onCurator(curator, LockOptions.defaults())) {
 *   ...
 * }                                                 // curator stays open
 * }</pre>
 *
 * <p><b>Ownership.</b> The lock client uses the framework's session: its lock nodes are ephemeral nodes of that
 * session, and live as long as it does. It adds one connection-state listener (SUSPENDED makes its leases
 * uncertain, LOST lost, as with a URI's client) and sets watches through a view of the framework; closing the
 * lock client releases its leases, removes the listener and those watches, and leaves the framework, its session
 * and its threads open. lockkit never starts or closes the framework: the application starts it before and closes
 * it after the lock clients built on it.
 *
 * <p><b>Paths.</b> A framework with a namespace ({@code usingNamespace("app")}) keeps lock nodes under it:
 * {@code /app/<lockkit namespace>/<lock name>/...}, as a URI's chroot does. Without one, the lockkit namespace
 * {@code zookeeper} is refused (the server reserves {@code /zookeeper}).
 *
 * <p><b>Lease time.</b> As with a URI's client, the lease time is capped at the session timeout the server
 * granted the framework's session (see {@link ZooKeeperLockProvider}); {@link LockClient#options()} shows the
 * options in force.
 */
public final class ZooKeeperLocks {
  private ZooKeeperLocks() {}

  /**
   * A lock client on the application's started framework, once it has a session.
   *
   * @param framework the application's framework, started ({@code start()}); with or without a namespace
   * @param options the lock client's options; the command timeout bounds the wait for a session and every
   *     request
   * @return the connected lock client
   * @throws IllegalArgumentException if an argument is null, the framework is not started (or is closed), or the
   *     namespace is {@code zookeeper} on a framework without a namespace of its own
   * @throws dev.lockkit.LockBackendException if the framework has no session within the command timeout
   */
  public static LockClient onCurator(CuratorFramework framework, LockOptions options) {
    Checks.notNull(framework, "framework");
    Checks.notNull(options, "options");
    String namespace = framework.getNamespace();
    Checks.argument(namespace != null && !namespace.isEmpty() || !options.namespace().equals("zookeeper"),
        "namespace 'zookeeper' needs a framework with a namespace (usingNamespace): the server reserves "
            + "/zookeeper");
    return ZooKeeperLockProvider.create(ZkConnection.borrow(framework, options.commandTimeout()), options,
        backend -> {});
  }
}
