package dev.lockkit.spi;

import dev.lockkit.LockOptions;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the client lends its backend: the options, and a scheduler for timers (fallback re-checks, retries).
 * The scheduler belongs to the client and is stopped when the client closes; tasks on it must be short and
 * must not block.
 *
 * @param options the client's options
 * @param scheduler the client's timer thread
 * @param clientId a short id of the client for thread names and logs
 */
public record BackendContext(LockOptions options, ScheduledExecutorService scheduler, String clientId) {}
