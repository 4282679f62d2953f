package dev.lockkit;

/**
 * A connection to one lock server (or ensemble, or cluster), from which named locks are taken. Thread-safe;
 * one per application and server is the intended use. Obtain one with {@link Locks#connect(String)}.
 *
 * <p>Closing the client releases every lease it still holds (each such lease is reported lost to its
 * holder, whose critical section ends unprotected), fails pending acquisitions with
 * {@link IllegalStateException}, stops the client's threads and closes its connections.
 */
public interface LockClient extends AutoCloseable {

  /**
   * The lock of the given name. Calling this twice with one name gives locks that share their state:
   * re-entrancy is per client, name and thread.
   *
   * @param name the lock name: 1 to 200 characters, letters, digits and {@code - _ . : @ = + # , ~ !} with
   *     {@code /} separating non-empty segments, none of which is {@code .} or {@code ..}
   * @return the lock
   * @throws IllegalArgumentException if the name breaks these rules, saying which
   * @throws IllegalStateException if the client is closed
   */
  DistributedLock lock(String name);

  /**
   * The lock of the given name with settings of its own over this client's options: its lease time, renewal,
   * cohorting and minimum hold (see {@link LockSettings} for how locks of one name with different settings
   * share re-entrancy, and what a minimum hold keeps). Calling this with equal settings gives locks that share
   * their state, as {@link #lock(String)} does.
   *
   * @param name the lock name, as for {@link #lock(String)}
   * @param settings the lock's settings; {@link LockSettings#none()} gives the lock {@link #lock(String)} gives
   * @return the lock
   * @throws IllegalArgumentException if the name breaks the rules, {@code settings} is null, or a setting does
   *     not fit with the client's options (a renewal interval longer than half the lease time), saying which
   * @throws IllegalStateException if the client is closed
   */
  DistributedLock lock(String name, LockSettings settings);

  /**
   * The options this client was connected with.
   *
   * @return the options
   */
  LockOptions options();

  /**
   * Fails waiting acquisitions, releases all leases, stops threads and closes connections. Waits about the
   * command timeout at most, or twice that when a waiter's try wins just as the client closes and its release
   * must still reach the server. Safe to call more than once.
   */
  @Override
  void close();
}
