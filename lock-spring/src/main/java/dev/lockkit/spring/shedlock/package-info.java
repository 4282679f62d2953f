/**
 * A ShedLock {@code LockProvider} over lockkit: {@link dev.lockkit.spring.shedlock.LockkitLockProvider} keeps
 * ShedLock's annotations and executors and gives their jobs lockkit's renewal, minimum hold and loss signal.
 * {@link dev.lockkit.spring.shedlock.LockkitShedLockAutoConfiguration} makes one when ShedLock is on the class
 * path and the application has a {@link dev.lockkit.LockClient} bean.
 */
@NullMarked
package dev.lockkit.spring.shedlock;

import org.jspecify.annotations.NullMarked;
