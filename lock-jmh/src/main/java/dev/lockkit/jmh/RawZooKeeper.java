package dev.lockkit.jmh;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;

/**
 * A session on the benchmarks' ZooKeeper for the floors, which send their requests on the raw {@link ZooKeeper}
 * handle: Curator only connects it and makes the lock's parent node.
 */
public final class RawZooKeeper implements AutoCloseable {
  private final CuratorFramework curator;
  /** The session's handle, taken once: a floor does not follow session changes. */
  private final ZooKeeper zk;

  /**
   * Connects, or fails within 30 s.
   *
   * @throws InterruptedException if interrupted while connecting
   */
  public RawZooKeeper() throws InterruptedException {
    curator = Contender.connectedCurator();
    try {
      zk = curator.getZookeeperClient().getZooKeeper();
    } catch (Exception e) { // Curator declares Exception
      curator.close();
      throw new IllegalStateException("no ZooKeeper handle from Curator", e);
    }
  }

  /**
   * The raw handle.
   *
   * @return the handle of this session
   */
  public ZooKeeper handle() {
    return zk;
  }

  /**
   * Makes a persistent node and its parents, if missing.
   *
   * @param path the node's path
   * @return the path
   */
  public String persistent(String path) {
    try {
      curator.create().orSetData().creatingParentsIfNeeded().forPath(path);
    } catch (Exception e) { // Curator declares Exception
      throw new IllegalStateException("could not create " + path, e);
    }
    return path;
  }

  @Override
  public void close() {
    curator.close();
  }
}
