/**
 * An application that uses lockkit the way the README shows: it requires lockkit's API module, and the Redis
 * and ZooKeeper backends are found through {@link java.util.ServiceLoader} by URI scheme.
 */
module com.example.locks {
  requires dev.lockkit;
  // Lettuce and Jedis are automatic modules, which cannot require anything: the explicit modules they run on
  // (Netty; Commons Pool) are resolved only if some module requires them
  requires io.netty.resolver.dns;
  requires org.apache.commons.pool2;
}
