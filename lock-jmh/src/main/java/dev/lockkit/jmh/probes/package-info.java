/**
 * Measurements that JMH's modes do not fit: the latency of one hand-off from a releasing holder to a
 * waiting client, what a thousand waiters on a thousand locks cost a client and its server, and the commands
 * one request of the idempotency guard sends.
 */
package dev.lockkit.jmh.probes;
