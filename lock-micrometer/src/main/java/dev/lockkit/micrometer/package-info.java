/**
 * lockkit's metrics and traces through Micrometer: {@link dev.lockkit.micrometer.LockObservations}, a
 * {@link dev.lockkit.LockObserver} to set on a client's options.
 */
@NullMarked
package dev.lockkit.micrometer;

import org.jspecify.annotations.NullMarked;
