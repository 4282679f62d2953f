package dev.lockkit.zookeeper;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/** A plain Curator client for tests that look at or tamper with lockkit's nodes, optionally authenticated. */
final class RawClient {
  private RawClient() {}

  static CuratorFramework connect(String connectString, String digest) throws InterruptedException {
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(20_000)
        .connectionTimeoutMs(10_000)
        .retryPolicy(new RetryOneTime(200));
    if (digest != null) {
      builder.authorization("digest", digest.getBytes(StandardCharsets.UTF_8));
    }
    CuratorFramework client = builder.build();
    client.start();
    if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
      client.close();
      throw new IllegalStateException("no connection to " + connectString);
    }
    return client;
  }

  static CuratorFramework connect(String connectString) throws InterruptedException {
    return connect(connectString, null);
  }
}
