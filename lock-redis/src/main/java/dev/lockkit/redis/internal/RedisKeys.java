package dev.lockkit.redis.internal;

import java.util.List;

/**
 * The keys of one lock name. The hash tag {@code {name}} puts them all in one cluster slot, so one script
 * may touch them all.
 *
 * @param lock {@code <namespace>:{<name>}}: holds the owner token, with the lease as its TTL
 * @param fence {@code <namespace>:{<name>}:fence}: the last fencing token handed out
 * @param channel {@code <namespace>:{<name>}:released}: where a release is published
 * @param waiters {@code <namespace>:{<name>}:waiters}: a hash of the acquisitions that wait for the lock, owner
 *     token to the server time (ms) until which the announcement holds, and the lease time (ms) of a waiter
 *     that accepts a grant; see {@link Scripts#ACQUIRE} and {@link Scripts#RELEASE}
 */
public record RedisKeys(String lock, String fence, String channel, String waiters) {

  /** The keys of {@code name} in {@code namespace}; both are validated by the client and contain no braces. */
  public static RedisKeys of(String namespace, String name) {
    String lock = namespace + ":{" + name + "}";
    return new RedisKeys(lock, lock + ":fence", lock + ":released", lock + ":waiters");
  }

  List<String> acquireKeys() {
    return List.of(lock, fence, waiters);
  }

  List<String> releaseKeys() {
    return List.of(lock, channel, waiters, fence);
  }

  List<String> keepKeys() {
    return List.of(lock, channel);
  }

  List<String> withdrawKeys() {
    return List.of(waiters, lock, channel);
  }
}
