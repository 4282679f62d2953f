package com.example.locks;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.Locks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a lock on Redis through Lettuce, one on Redis through Jedis and one on ZooKeeper in one JVM, all held
 * at once, then releases them.
 *
 * <p>Arguments: a Redis URI (Lettuce, the default driver), a Redis URI with {@code ?driver=jedis}, a
 * ZooKeeper URI, and {@code class-path} or {@code module-path}: where the launcher put the application. On
 * the module path it also checks the module names of lockkit's artifacts. Exits with status 0 only when the
 * JVM ends by itself after the clients are closed (a client that left a thread running would keep it
 * alive), with status 1 on any failure.
 */
public final class App {
  private App() {}

  /**
   * Runs the check.
   *
   * @param args the Lettuce URI, the Jedis URI, the ZooKeeper URI, {@code class-path} or {@code module-path}
   */
  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      System.out.println("consumer: FAILED");
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }

  private static void run(String[] args) throws InterruptedException {
    if (args.length != 4) {
      throw new IllegalArgumentException("usage: App LETTUCE_URI JEDIS_URI ZOOKEEPER_URI class-path|module-path");
    }
    String where = args[3];
    boolean modulePath = switch (where) {
      case "module-path" -> true;
      case "class-path" -> false;
      default -> throw new IllegalArgumentException("last argument: class-path or module-path, was " + where);
    };
    check(App.class.getModule().isNamed() == modulePath, "the application runs on the " + where);
    if (modulePath) {
      check("dev.lockkit".equals(LockClient.class.getModule().getName()),
          "lock-api is module dev.lockkit, was " + LockClient.class.getModule().getName());
      for (String name : List.of("dev.lockkit.redis", "dev.lockkit.zookeeper")) {
        check(ModuleLayer.boot().findModule(name).isPresent(), "module " + name + " is resolved");
      }
    }

    List<LockClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        clients.add(Locks.connect(args[i]));
      }
      List<DistributedLock> locks = new ArrayList<>();
      List<Lease> leases = new ArrayList<>();
      try {
        for (int i = 0; i < clients.size(); i++) {
          // the two Redis clients take different names: one would wait for the other otherwise
          DistributedLock lock = clients.get(i).lock("consumer/orders-" + i);
          locks.add(lock);
          leases.add(lock.acquire(Duration.ofSeconds(10)));
        }
        for (Lease lease : leases) {
          check(lease.isValid(), "every lease is valid while all are held");
        }
        System.out.printf("consumer: leases %d (Redis, Lettuce), %d (Redis, Jedis), %d (ZooKeeper) held at once"
            + " on the %s%n", leases.get(0).fencingToken(), leases.get(1).fencingToken(),
            leases.get(2).fencingToken(), where);
      } finally {
        for (Lease lease : leases) {
          lease.close();
        }
      }
      for (DistributedLock released : locks) {
        Lease again = released.tryAcquire()
            .orElseThrow(() -> new IllegalStateException("expected: a released lock is free again"));
        again.close();
      }
    } finally {
      for (LockClient client : clients) {
        client.close();
      }
    }
    System.out.println("consumer: OK");
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("expected: " + what);
    }
  }
}
