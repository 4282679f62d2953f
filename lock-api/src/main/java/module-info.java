/**
 * lockkit's API ({@code dev.lockkit}), the SPI that backends implement ({@code dev.lockkit.spi}) and the
 * in-memory backend ({@code dev.lockkit.memory}). Backends are found with {@link java.util.ServiceLoader}:
 * an application requires this module only, and the Redis and ZooKeeper modules on its module path
 * ({@code dev.lockkit.redis}, {@code dev.lockkit.zookeeper}) are bound as providers.
 *
 * @uses dev.lockkit.spi.LockProvider
 * @provides dev.lockkit.spi.LockProvider the {@code memory:} backend
 */
@SuppressWarnings("module") // the backends' modules are not on lock-api's module path when it compiles
module dev.lockkit {
  // an explicit module so that SLF4J, itself a module that nothing else on the module path requires, is
  // resolved; as an automatic module lockkit failed with NoClassDefFoundError: org/slf4j/LoggerFactory
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.lockkit;
  exports dev.lockkit.spi;
  exports dev.lockkit.memory;
  // the core shared with the backends; not API
  exports dev.lockkit.internal to dev.lockkit.redis, dev.lockkit.zookeeper;

  uses dev.lockkit.spi.LockProvider;

  provides dev.lockkit.spi.LockProvider with dev.lockkit.memory.MemoryLockProvider;
}
