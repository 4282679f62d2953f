package dev.lockkit.redis.internal;

/**
 * Picks the driver a URI asks for, checking first that its library is on the class path, so that the
 * adapter classes (which link against the library) are loaded only when they can be. A driver that is missing,
 * or cannot be loaded, is a deployment mistake: {@link IllegalStateException}, not a server failure to retry.
 */
public final class Drivers {
  private Drivers() {}

  /**
   * The factory of the named driver.
   *
   * @throws IllegalStateException naming the driver and the Maven artifact to add if its library is missing, or
   *     naming the version found and the versions supported if it is a Jedis older than 5.2
   */
  public static RedisDriver.Factory forName(String driver) {
    if (RedisSettings.JEDIS.equals(driver)) {
      require("redis.clients.jedis.Jedis", RedisSettings.JEDIS);
      JedisVersion.requireSupported(Drivers.class.getClassLoader());
      return (settings, timeout, client, listener) -> JedisDriver.open(settings, timeout, client, listener);
    }
    require("io.lettuce.core.RedisClient", RedisSettings.LETTUCE);
    return (settings, timeout, client, listener) -> LettuceDriver.open(settings, timeout, client, listener);
  }

  /**
   * What a driver's library that is missing or incomplete on the class path becomes: a class that the driver
   * or the library links against could not be loaded (a dependency of the library left out, a second copy in
   * another version).
   *
   * @param driver the driver's name
   * @param error the linkage error seen while opening it
   * @return the exception to throw, naming the driver, the class and the Maven artifact
   */
  static IllegalStateException unusable(String driver, LinkageError error) {
    String what = error instanceof NoClassDefFoundError
        ? "could not load class " + String.valueOf(error.getMessage()).replace('/', '.')
        : "does not link (" + error + ")";
    String found = "";
    if (RedisSettings.JEDIS.equals(driver)) {
      String version = JedisVersion.of(Drivers.class.getClassLoader());
      found = " (found Jedis " + (version == null ? "of unknown version" : version) + "; lockkit supports Jedis "
          + JedisVersion.SUPPORTED + ")";
    }
    return new IllegalStateException("the " + driver + " driver of lockkit's Redis backend " + what + found
        + ": put " + artifact(driver) + " on the class path with its dependencies, in a version lockkit supports",
        error);
  }

  private static void require(String className, String driver) {
    try {
      Class.forName(className, false, Drivers.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException("the " + driver + " driver of lockkit's Redis backend needs the Maven "
          + "artifact " + artifact(driver) + " on the class path, and it is missing"
          + (driver.equals(RedisSettings.LETTUCE) ? " (or choose Jedis with ?driver=jedis and add "
              + artifact(RedisSettings.JEDIS) + ")" : ""), e);
    }
  }

  private static String artifact(String driver) {
    return RedisSettings.JEDIS.equals(driver) ? "redis.clients:jedis" : "io.lettuce:lettuce-core";
  }
}
