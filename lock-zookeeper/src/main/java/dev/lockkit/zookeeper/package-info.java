/**
 * The ZooKeeper backend, scheme {@code zookeeper://}: see {@link dev.lockkit.zookeeper.ZooKeeperLockProvider}
 * for the URI and the guarantees. The lock recipe is lockkit's own, on Apache Curator's framework primitives:
 * ephemeral-sequential protected nodes, a watch on the predecessor only, the node's {@code czxid} as the
 * fencing token, and the session's connection state driving every held lease.
 */
@NullMarked
package dev.lockkit.zookeeper;

import org.jspecify.annotations.NullMarked;
