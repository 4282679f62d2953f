package dev.lockkit.zookeeper;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** Connecting lockkit clients to curator-test servers, and telling their threads from the clients'. */
final class ZkFixtures {
  private ZkFixtures() {}

  /**
   * Starts an in-process server with these system properties set while it starts (it reads them once, then),
   * and puts back what they were before.
   */
  static TestingServer startServer(Map<String, String> properties) throws Exception {
    Map<String, String> before = new HashMap<>();
    properties.forEach((key, value) -> before.put(key, System.setProperty(key, value)));
    try {
      return new TestingServer(true);
    } finally {
      before.forEach((key, value) -> {
        if (value == null) {
          System.clearProperty(key);
        } else {
          System.setProperty(key, value);
        }
      });
    }
  }

  /**
   * Starts an in-process server with this tick that grants sessions of one tick to {@code maxSession}, however
   * long a client asks for.
   */
  static TestingServer startServer(Duration tick, Duration maxSession) throws Exception {
    Map<String, Object> properties = Map.of("maxSessionTimeout", Long.toString(maxSession.toMillis()));
    return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, (int) tick.toMillis(), -1, properties),
        true);
  }

  static LockClient connect(String connectString, String chroot, LockOptions options) {
    return Locks.connect(URI.create("zookeeper://" + connectString + chroot), options);
  }

  /** Threads of in-process ZooKeeper servers (started lazily, per connection or per request). */
  static boolean isServerThread(Thread t) {
    String n = t.getName();
    return n.startsWith("NIOWorkerThread") || n.startsWith("NIOServerCxnFactory") || n.startsWith("CommitProcWork")
        || n.startsWith("SessionTracker") || n.startsWith("SyncThread") || n.startsWith("ProcessThread")
        || n.startsWith("QuorumPeer") || n.startsWith("LearnerHandler") || n.startsWith("LearnerCnxAcceptor")
        || n.startsWith("FollowerRequestProcessor") || n.startsWith("LeaderRequestProcessor")
        || n.startsWith("ContainerManager") || n.startsWith("QuorumConnectionThread")
        || n.startsWith("RequestThrottler") || n.startsWith("ListenerHandler") || n.startsWith("RecvWorker")
        || n.startsWith("SendWorker") || n.startsWith("WorkerReceiver") || n.startsWith("WorkerSender")
        || n.startsWith("ConnnectionExpirer") || n.startsWith("ObserverMaster") || n.startsWith("PurgeTask");
  }
}
