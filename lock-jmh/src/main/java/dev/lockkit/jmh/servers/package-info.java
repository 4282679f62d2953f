/** Servers for the benchmarks: child processes on loopback ports, or external ones. */
package dev.lockkit.jmh.servers;
