/**
 * Measurements that JMH's modes do not fit: the latency of one hand-off from a releasing holder to a
 * waiting client, what a thousand waiters on a thousand locks cost a client and its server, the commands
 * one request of the idempotency guard sends, and whether processes contending for one lock each get their
 * share ({@link dev.lockkit.jmh.probes.FairnessProbe}).
 */
package dev.lockkit.jmh.probes;
