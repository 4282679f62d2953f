/**
 * JMH benchmarks of lock contention: lockkit's backends against Redisson, Curator and the raw round-trip
 * floor of the server, parameterised over {@link dev.lockkit.jmh.Contender}.
 */
package dev.lockkit.jmh;
