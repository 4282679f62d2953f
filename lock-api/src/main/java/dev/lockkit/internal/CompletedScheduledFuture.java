package dev.lockkit.internal;

import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Stands in for a task that a closed client will never run. */
final class CompletedScheduledFuture implements ScheduledFuture<Object> {
  static final CompletedScheduledFuture INSTANCE = new CompletedScheduledFuture();

  @Override
  public long getDelay(TimeUnit unit) {
    return 0;
  }

  @Override
  public int compareTo(Delayed o) {
    return Long.compare(0, o.getDelay(TimeUnit.NANOSECONDS));
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return false;
  }

  @Override
  public boolean isCancelled() {
    return true;
  }

  @Override
  public boolean isDone() {
    return true;
  }

  @Override
  public Object get() {
    return this;
  }

  @Override
  public Object get(long timeout, TimeUnit unit) {
    return this;
  }
}
