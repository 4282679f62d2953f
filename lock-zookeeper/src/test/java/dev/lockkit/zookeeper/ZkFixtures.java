package dev.lockkit.zookeeper;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import java.net.URI;

/** Connecting lockkit clients to curator-test servers, and telling their threads from the clients'. */
final class ZkFixtures {
  private ZkFixtures() {}

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
