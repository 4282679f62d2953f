package dev.lockkit.internal;

import dev.lockkit.Lease;
import dev.lockkit.LockLostException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** One {@link Lease} handed to a caller; re-entrant leases are several views of one {@link Tenure}. */
final class LeaseView implements Lease {
  private final Tenure hold;
  private final AtomicBoolean closed = new AtomicBoolean();

  LeaseView(Tenure hold) {
    this.hold = hold;
  }

  @Override
  public String name() {
    return hold.lock().name();
  }

  @Override
  public long fencingToken() {
    return hold.fencingToken();
  }

  @Override
  public boolean isValid() {
    return !closed.get() && hold.isValid();
  }

  @Override
  public void onLost(Consumer<? super LockLostException> listener) {
    Checks.notNull(listener, "listener");
    hold.addListener(listener);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      hold.exit();
    }
  }

  @Override
  public String toString() {
    return "Lease{" + name() + ", token=" + fencingToken() + (isValid() ? ", valid}" : ", invalid}");
  }
}
