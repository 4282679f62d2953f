package dev.lockkit.redis.internal;

import dev.lockkit.LockBackendException;

/**
 * Picks the driver a URI asks for, checking first that its library is on the class path, so that the
 * adapter classes (which link against the library) are loaded only when they can be.
 */
public final class Drivers {
  private Drivers() {}

  /**
   * The factory of the named driver.
   *
   * @throws LockBackendException naming the Maven artifact to add if the driver's library is missing
   */
  public static RedisDriver.Factory forName(String driver) {
    if (RedisSettings.JEDIS.equals(driver)) {
      require("redis.clients.jedis.UnifiedJedis", "jedis", "redis.clients:jedis");
      return (settings, timeout, clientId, listener) -> JedisDriver.open(settings, timeout, clientId, listener);
    }
    require("io.lettuce.core.RedisClient", "lettuce", "io.lettuce:lettuce-core");
    return (settings, timeout, clientId, listener) -> LettuceDriver.open(settings, timeout, clientId, listener);
  }

  private static void require(String className, String driver, String artifact) {
    try {
      Class.forName(className, false, Drivers.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new LockBackendException("the " + driver + " driver of lockkit's Redis backend needs the Maven "
          + "artifact " + artifact + " on the class path, and it is missing"
          + (driver.equals("lettuce") ? " (or choose Jedis with ?driver=jedis and add redis.clients:jedis)" : ""),
          e);
    }
  }
}
