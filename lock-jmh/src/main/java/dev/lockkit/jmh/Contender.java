package dev.lockkit.jmh;

import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.jmh.servers.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * Every lock implementation the benchmarks compare, each able to create its client: one line per peer (as
 * Caffeine's benchmarks do with their cache types).
 */
public enum Contender {
  /** lockkit's Redis backend on Lettuce, default options: cohorting on. */
  LOCKKIT_REDIS_LETTUCE {
    @Override
    public Instance create() {
      return lockkit(Locks.connect(Servers.redisUri(), cohorting()));
    }
  },
  /**
   * {@link #LOCKKIT_REDIS_LETTUCE} with cohorting off: every thread asks the server for the lock itself and
   * every release goes to the server. What cohorting is measured against.
   */
  LOCKKIT_REDIS_LETTUCE_SOLO {
    @Override
    public Instance create() {
      return lockkit(Locks.connect(Servers.redisUri(), withoutCohorting()));
    }
  },
  /** lockkit's Redis backend on Jedis, default options: cohorting on. */
  LOCKKIT_REDIS_JEDIS {
    @Override
    public Instance create() {
      return lockkit(Locks.connect(Servers.redisUri() + "?driver=jedis", cohorting()));
    }
  },
  /** lockkit's ZooKeeper backend, default options: cohorting on. */
  LOCKKIT_ZOOKEEPER {
    @Override
    public Instance create() {
      return lockkit(Locks.connect("zookeeper://" + Servers.zookeeperConnect(), cohorting()));
    }
  },
  /**
   * {@link #LOCKKIT_ZOOKEEPER} with cohorting off: every thread creates its own lock node and watches its
   * predecessor, and every release deletes the node. What cohorting is measured against.
   */
  LOCKKIT_ZOOKEEPER_SOLO {
    @Override
    public Instance create() {
      return lockkit(Locks.connect("zookeeper://" + Servers.zookeeperConnect(), withoutCohorting()));
    }
  },
  /** lockkit's in-memory backend, default options: the cost of the client core alone. */
  LOCKKIT_MEMORY {
    @Override
    public Instance create() {
      return lockkit(Locks.connect("memory:bench-" + UUID.randomUUID().toString().substring(0, 8)));
    }
  },
  /** Redisson's {@code RLock}, watchdog renewal on (its default). */
  REDISSON {
    @Override
    public Instance create() {
      Config config = new Config();
      config.useSingleServer().setAddress(Servers.redisUri());
      RedissonClient redisson = Redisson.create(config);
      return new Instance() {
        @Override
        public LockHandle lock(String name) {
          RLock lock = redisson.getLock(name);
          return LockHandle.of(() -> {
            lock.lock();
            return lock::unlock;
          }, maxWait -> lock.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS) ? lock::unlock : null); // watchdog on
        }

        @Override
        public void close() {
          redisson.shutdown();
        }
      };
    }
  },
  /**
   * Apache Curator's {@code InterProcessMutex}, one per thread on the lock's path: Curator's best configuration
   * for many threads of a process (each is its own contender on the server, as Curator documents), and the one
   * lockkit is compared against.
   */
  CURATOR {
    @Override
    public Instance create() throws InterruptedException {
      return onCurator((curator, path) -> {
        ThreadLocal<InterProcessMutex> perThread = ThreadLocal.withInitial(() -> new InterProcessMutex(curator, path));
        return () -> perThread.get();
      });
    }
  },
  /**
   * Apache Curator's {@code InterProcessMutex}, one shared by every thread: in-JVM waiters all wake on each
   * watch event (Curator's herd within a process). Kept as its own row, not the comparison's peer.
   */
  CURATOR_SHARED {
    @Override
    public Instance create() throws InterruptedException {
      return onCurator((curator, path) -> {
        InterProcessMutex shared = new InterProcessMutex(curator, path);
        return () -> shared;
      });
    }
  },
  /**
   * The floor no Redis lock can beat: raw Lettuce {@code SET NX PX} to take, {@code EVALSHA} compare-and-delete
   * to release, on one connection. Under contention it retries at once (a spin lock).
   */
  FLOOR_LETTUCE {
    @Override
    public Instance create() {
      RedisClient client = RedisClient.create(Servers.redisUri());
      StatefulRedisConnection<String, String> connection = client.connect();
      RedisCommands<String, String> redis = connection.sync();
      String sha = redis.scriptLoad(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end");
      return new Instance() {
        @Override
        public LockHandle lock(String name) {
          String key = "floor:{" + name + "}";
          LockHandle.Timed timed = maxWait -> {
            String token = UUID.randomUUID().toString();
            long deadline = System.nanoTime() + maxWait.toNanos();
            while (redis.set(key, token, SetArgs.Builder.nx().px(30_000)) == null) {
              if (System.nanoTime() - deadline >= 0) {
                return null;
              }
              Thread.onSpinWait();
            }
            return () -> redis.evalsha(sha, ScriptOutputType.INTEGER, new String[] {key}, token);
          };
          // the untimed acquire as it was before there was a timed one: no clock read in what is measured
          return LockHandle.of(() -> {
            String token = UUID.randomUUID().toString();
            while (redis.set(key, token, SetArgs.Builder.nx().px(30_000)) == null) {
              Thread.onSpinWait();
            }
            return () -> redis.evalsha(sha, ScriptOutputType.INTEGER, new String[] {key}, token);
          }, timed);
        }

        @Override
        public void close() {
          connection.close();
          client.shutdown();
        }
      };
    }
  },
  /**
   * {@link #FLOOR_LETTUCE} on Jedis: {@code SET NX PX} and the {@code EVALSHA} compare-and-delete on the calling
   * thread, each command on a connection of a pool as large as lockkit's Jedis driver's (64), so that every
   * thread has its own. What lockkit on Jedis is measured against.
   */
  FLOOR_JEDIS {
    @Override
    public Instance create() {
      java.net.URI uri = java.net.URI.create(Servers.redisUri());
      GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
      pool.setMaxTotal(64);
      pool.setMaxIdle(64);
      pool.setJmxEnabled(false);
      DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().build();
      // the constructor on a provider is protected in Jedis 7 (JedisPooled is gone in 8): a subclass reaches it
      UnifiedJedis jedis = new UnifiedJedis(new PooledConnectionProvider(
          new HostAndPort(uri.getHost(), uri.getPort()), config, pool), config.getRedisProtocol()) {};
      String sha = jedis.scriptLoad(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end");
      SetParams nxPx = SetParams.setParams().nx().px(30_000);
      return new Instance() {
        @Override
        public LockHandle lock(String name) {
          String key = "floor:{" + name + "}";
          java.util.List<String> keys = java.util.List.of(key);
          LockHandle.Timed timed = maxWait -> {
            String token = UUID.randomUUID().toString();
            long deadline = System.nanoTime() + maxWait.toNanos();
            while (jedis.set(key, token, nxPx) == null) {
              if (System.nanoTime() - deadline >= 0) {
                return null;
              }
              Thread.onSpinWait();
            }
            return () -> jedis.evalsha(sha, keys, java.util.List.of(token));
          };
          return LockHandle.of(() -> {
            String token = UUID.randomUUID().toString();
            while (jedis.set(key, token, nxPx) == null) {
              Thread.onSpinWait();
            }
            return () -> jedis.evalsha(sha, keys, java.util.List.of(token));
          }, timed);
        }

        @Override
        public void close() {
          jedis.close();
        }
      };
    }
  },
  /**
   * The floor of a ZooKeeper queue lock, {@link ZooKeeperFloor}: a create pipelined with the children read to take
   * (the create alone right after its own release), a delete to release, on the raw ZooKeeper handle. What
   * lockkit's ZooKeeper recipe sends, without the lock.
   */
  FLOOR_ZOOKEEPER {
    @Override
    public Instance create() throws InterruptedException {
      return new ZooKeeperFloor();
    }
  };

  /**
   * Connects a client of this contender to its server (started on first use).
   *
   * @return the client
   * @throws Exception whatever connecting throws
   */
  public abstract Instance create() throws Exception;

  /** A connected client of one contender. */
  public interface Instance extends AutoCloseable {
    /**
     * The lock of the given name.
     *
     * @param name the lock name
     * @return a handle shared by all benchmark threads
     */
    LockHandle lock(String name);

    @Override
    void close();
  }

  /** System property that sets lockkit's {@code maxLocalHandoffs} for the cohorting contenders (default: lockkit's). */
  public static final String MAX_LOCAL_HANDOFFS = "lockkit.bench.maxLocalHandoffs";

  /** Default options, or the bound of local hand-offs {@value #MAX_LOCAL_HANDOFFS} asks for. */
  static LockOptions cohorting() {
    String bound = System.getProperty(MAX_LOCAL_HANDOFFS);
    return bound == null ? LockOptions.defaults()
        : LockOptions.builder().maxLocalHandoffs(Integer.parseInt(bound.trim())).build();
  }

  /**
   * Curator's {@code InterProcessMutex} on a connected client: {@code mutexes} gives, per lock path, which mutex
   * the calling thread acquires and releases.
   */
  static Instance onCurator(
      java.util.function.BiFunction<CuratorFramework, String, java.util.function.Supplier<InterProcessMutex>> mutexes)
      throws InterruptedException {
    CuratorFramework curator = connectedCurator();
    return new Instance() {
      @Override
      public LockHandle lock(String name) {
        java.util.function.Supplier<InterProcessMutex> mine = mutexes.apply(curator, "/curator-bench/" + name);
        return LockHandle.of(() -> {
          InterProcessMutex mutex = mine.get();
          mutex.acquire();
          return mutex::release;
        }, maxWait -> {
          InterProcessMutex mutex = mine.get();
          return mutex.acquire(maxWait.toNanos(), TimeUnit.NANOSECONDS) ? mutex::release : null;
        });
      }

      @Override
      public void close() {
        curator.close();
      }
    };
  }

  /** A started Curator client on the benchmarks' ZooKeeper, connected, or an exception after 30 s. */
  static CuratorFramework connectedCurator() throws InterruptedException {
    CuratorFramework curator = CuratorFrameworkFactory.newClient(Servers.zookeeperConnect(),
        new ExponentialBackoffRetry(100, 3));
    curator.start();
    if (!curator.blockUntilConnected(30, TimeUnit.SECONDS)) {
      curator.close();
      throw new IllegalStateException("Curator did not connect to " + Servers.zookeeperConnect());
    }
    return curator;
  }

  private static LockOptions withoutCohorting() {
    return LockOptions.builder().withoutCohorting().build();
  }

  private static Instance lockkit(LockClient client) {
    return new Instance() {
      @Override
      public LockHandle lock(String name) {
        dev.lockkit.DistributedLock lock = client.lock(name);
        return LockHandle.of(lock::acquire, maxWait -> lock.tryAcquire(maxWait).orElse(null));
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}
