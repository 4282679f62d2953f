/**
 * Spring Boot auto-configuration of lockkit: {@link dev.lockkit.spring.boot.LockkitProperties} (the {@code lockkit.*}
 * properties), {@link dev.lockkit.spring.boot.LockkitAutoConfiguration} (one {@link dev.lockkit.LockClient} bean,
 * observed through the application's Micrometer registries when {@code lock-micrometer} is present) and
 * {@link dev.lockkit.spring.boot.LockkitHealthAutoConfiguration} (the {@code lockkit} health contributor,
 * {@link dev.lockkit.spring.boot.LockkitHealthIndicator}).
 */
@NullMarked
package dev.lockkit.spring.boot;

import org.jspecify.annotations.NullMarked;
