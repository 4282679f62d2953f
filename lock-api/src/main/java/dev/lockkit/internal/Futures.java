package dev.lockkit.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on futures from threads that must not be interrupted out of a bounded wait. */
final class Futures {
  private Futures() {}

  /**
   * Waits at most {@code nanos} for the future, ignoring interrupts meanwhile but restoring the interrupt
   * status afterwards: used where the API promises a bounded call that does not throw InterruptedException.
   */
  static <T> T await(CompletableFuture<T> future, long nanos) throws ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The cause of a wrapping {@link ExecutionException} or {@link CompletionException}. */
  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
