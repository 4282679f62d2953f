package dev.lockkit;

/**
 * Which lock a {@link LockObserver} callback concerns, for the observer to choose its tags from. The backend
 * and the namespace take few values in an application and suit metric tags; the lock name may take as many
 * values as the application has lock names.
 *
 * @param backend the scheme of the client's backend, such as {@code redis}, {@code redis-cluster},
 *     {@code zookeeper} or {@code memory}
 * @param description the client's server as messages show it, such as {@code redis://127.0.0.1:6379}; no
 *     credentials
 * @param namespace the client's namespace ({@link LockOptions#namespace()})
 * @param name the lock's name, as given to {@link LockClient#lock(String)}
 */
public record ObservedLock(String backend, String description, String namespace, String name) {}
