/**
 * JMH benchmarks of lock contention: lockkit's backends against Redisson, Curator and the raw round-trip
 * floor of the server, parameterised over {@link dev.lockkit.jmh.Contender}; and the idempotency guard against
 * the bare action and the unfenced hand-written scheme, over {@link dev.lockkit.jmh.IdempotencyContender}.
 */
package dev.lockkit.jmh;
