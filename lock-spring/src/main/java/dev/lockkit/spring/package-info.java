/**
 * lockkit in Spring applications: the Boot auto-configuration of a {@link dev.lockkit.LockClient}
 * ({@code dev.lockkit.spring.boot}), a Spring Integration {@code LockRegistry}
 * ({@code dev.lockkit.spring.integration}), locked scheduled jobs ({@code dev.lockkit.spring.scheduling}) and a
 * ShedLock {@code LockProvider} ({@code dev.lockkit.spring.shedlock}).
 */
@NullMarked
package dev.lockkit.spring;

import org.jspecify.annotations.NullMarked;
