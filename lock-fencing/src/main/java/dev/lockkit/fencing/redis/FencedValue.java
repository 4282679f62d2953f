package dev.lockkit.fencing.redis;

/**
 * A value as {@link RedisFencedValues} stored it, with the token of the write that stored it.
 *
 * @param value the value
 * @param fence the token of the write that stored the value, positive; exact (parsed from its decimal form)
 */
public record FencedValue(String value, long fence) {}
