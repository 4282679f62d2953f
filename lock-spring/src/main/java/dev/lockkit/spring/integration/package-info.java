/**
 * A Spring Integration {@code LockRegistry} over lockkit: {@link dev.lockkit.spring.integration.LockkitLockRegistry}
 * hands out {@link java.util.concurrent.locks.Lock}s whose exclusion holds across processes, with lockkit's renewal,
 * fencing tokens and loss signal, so that it replaces {@code RedisLockRegistry} or {@code ZookeeperLockRegistry}
 * by a change of bean. {@link dev.lockkit.spring.integration.LockkitIntegrationAutoConfiguration} makes one when
 * Spring Integration is on the class path and the application has a {@link dev.lockkit.LockClient} bean.
 */
@NullMarked
package dev.lockkit.spring.integration;

import org.jspecify.annotations.NullMarked;
