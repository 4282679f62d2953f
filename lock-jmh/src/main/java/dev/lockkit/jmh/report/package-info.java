/** Turns JMH results into the README's table and chart. */
package dev.lockkit.jmh.report;
