/**
 * What a lock backend implements: a {@link dev.lockkit.spi.LockProvider} found by {@link java.util.ServiceLoader}
 * that turns a URI into a client, and a {@link dev.lockkit.spi.LockBackend} that moves acquisitions, renewals
 * and releases to and from one kind of server. Everything a backend would otherwise write again (argument
 * checks, re-entrancy, lease deadlines, renewal scheduling, loss listeners, timeouts, interruption, closing)
 * lives once in the client that {@link dev.lockkit.spi.LockClients#create} builds around a backend.
 */
@NullMarked
package dev.lockkit.spi;

import org.jspecify.annotations.NullMarked;
