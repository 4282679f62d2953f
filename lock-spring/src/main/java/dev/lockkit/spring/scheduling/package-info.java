/**
 * Locked scheduled jobs: {@link dev.lockkit.spring.scheduling.ScheduledLock} on a {@code @Scheduled} method runs
 * it only on the node that took the job's lock and skips it elsewhere; the running method finds its lease
 * through {@link dev.lockkit.spring.scheduling.ScheduledLocks#currentLease()}; every run ends in one
 * {@link dev.lockkit.spring.scheduling.ScheduledLockOutcome}, told to each
 * {@link dev.lockkit.spring.scheduling.ScheduledRunListener} (the counts of
 * {@link dev.lockkit.spring.scheduling.ScheduledLockStats}, the Micrometer counter of
 * {@link dev.lockkit.spring.scheduling.ScheduledLockMeters}).
 *
 * <p>In a Boot application {@link dev.lockkit.spring.scheduling.LockkitSchedulingAutoConfiguration} sets this
 * up when there is a {@link dev.lockkit.LockClient} bean; elsewhere register a
 * {@link dev.lockkit.spring.scheduling.ScheduledLockBeanPostProcessor} and a
 * {@link dev.lockkit.spring.scheduling.ScheduledLockStats} yourself.
 */
@NullMarked
package dev.lockkit.spring.scheduling;

import org.jspecify.annotations.NullMarked;
