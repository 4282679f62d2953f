package dev.lockkit.internal;

import dev.lockkit.LockObserver;
import dev.lockkit.LockObserver.AcquisitionOutcome;
import dev.lockkit.LockObserver.LeaseEnd;
import dev.lockkit.LockObserver.LossCause;
import dev.lockkit.LockOptions;
import dev.lockkit.LockTimeoutException;
import dev.lockkit.ObservedLock;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's {@link LockObserver}, called so that it cannot change a lock operation: whatever it throws is
 * logged and dropped. One per client; without an observer ({@link #NONE}) every method returns at once, without
 * allocating or reading a clock, so that the core calls it unconditionally, one line per event.
 */
final class Observing {
  private static final Logger log = LoggerFactory.getLogger(Observing.class);

  static final Observing NONE = new Observing(null, "", "", "");

  /** What an observed acquisition or holding keeps: the observer's own state and when it started. */
  record Started(@Nullable Object state, long atNanos) {}

  private final @Nullable LockObserver observer;
  private final String backend;
  private final String description;
  private final String namespace;
  /** The first failure of the observer is logged at WARN, the rest at DEBUG: one broken observer, one line. */
  private final AtomicBoolean warned = new AtomicBoolean();

  private Observing(@Nullable LockObserver observer, String backend, String description, String namespace) {
    this.observer = observer;
    this.backend = backend;
    this.description = description;
    this.namespace = namespace;
  }

  /** The observing of a client with these options, whose backend describes itself so. */
  static Observing of(LockOptions options, String description) {
    LockObserver observer = options.observer().orElse(null);
    if (observer == null) {
      return NONE;
    }
    int colon = description.indexOf(':');
    return new Observing(observer, colon > 0 ? description.substring(0, colon) : description, description,
        options.namespace());
  }

  @Nullable Started acquisitionStarted(CoreLock lock) {
    LockObserver o = observer;
    if (o == null) {
      return null;
    }
    long at = System.nanoTime();
    Object state = null;
    try {
      state = o.acquisitionStarted(subject(lock));
    } catch (RuntimeException | LinkageError e) {
      failed("acquisitionStarted", e);
    }
    return new Started(state, at);
  }

  /**
   * The acquisition started as {@code started} ended with {@code won} or {@code failure}; {@code blocking} if a
   * thread waited for it (whose cancellation is an interrupt), not a caller of {@code acquireAsync}.
   */
  void acquisitionEnded(CoreLock lock, @Nullable Started started, @Nullable Tenure won,
      @Nullable Throwable failure, boolean blocking) {
    LockObserver o = observer;
    if (o == null || started == null) {
      return;
    }
    Throwable t = failure == null ? null : Futures.unwrap(failure);
    AcquisitionOutcome outcome;
    if (t == null) {
      outcome = won != null ? AcquisitionOutcome.ACQUIRED : AcquisitionOutcome.TIMEOUT;
    } else if (t instanceof LockTimeoutException) {
      outcome = AcquisitionOutcome.TIMEOUT;
    } else if (t instanceof CancellationException) {
      outcome = blocking ? AcquisitionOutcome.INTERRUPTED : AcquisitionOutcome.CANCELLED;
    } else {
      outcome = AcquisitionOutcome.ERROR;
    }
    try {
      o.acquisitionEnded(subject(lock), started.state(), outcome, Duration.ofNanos(System.nanoTime()
          - started.atNanos()), outcome == AcquisitionOutcome.ERROR ? t : null);
    } catch (RuntimeException | LinkageError e) {
      failed("acquisitionEnded", e);
    }
  }

  @Nullable Started leaseStarted(CoreLock lock) {
    LockObserver o = observer;
    if (o == null) {
      return null;
    }
    long at = System.nanoTime();
    Object state = null;
    try {
      state = o.leaseStarted(subject(lock));
    } catch (RuntimeException | LinkageError e) {
      failed("leaseStarted", e);
    }
    return new Started(state, at);
  }

  void leaseEnded(CoreLock lock, @Nullable Started started, boolean lost) {
    LockObserver o = observer;
    if (o == null || started == null) {
      return;
    }
    try {
      o.leaseEnded(subject(lock), started.state(), lost ? LeaseEnd.LOST : LeaseEnd.RELEASED,
          Duration.ofNanos(System.nanoTime() - started.atNanos()));
    } catch (RuntimeException | LinkageError e) {
      failed("leaseEnded", e);
    }
  }

  void leaseLost(CoreLock lock, LossCause cause) {
    LockObserver o = observer;
    if (o == null) {
      return;
    }
    try {
      o.leaseLost(subject(lock), cause);
    } catch (RuntimeException | LinkageError e) {
      failed("leaseLost", e);
    }
  }

  void renewalFailed(CoreLock lock, Throwable failure) {
    LockObserver o = observer;
    if (o == null) {
      return;
    }
    try {
      o.renewalFailed(subject(lock), Futures.unwrap(failure));
    } catch (RuntimeException | LinkageError e) {
      failed("renewalFailed", e);
    }
  }

  void handedOff(CoreLock lock) {
    LockObserver o = observer;
    if (o == null) {
      return;
    }
    try {
      o.handedOff(subject(lock));
    } catch (RuntimeException | LinkageError e) {
      failed("handedOff", e);
    }
  }

  private ObservedLock subject(CoreLock lock) {
    return new ObservedLock(backend, description, namespace, lock.name());
  }

  // LinkageError too: an observer whose library is missing or of another version at run time throws one,
  // and a lock must still work without its metrics
  private void failed(String callback, Throwable e) {
    if (warned.compareAndSet(false, true)) {
      log.warn("The LockObserver {} of {} threw from {}; ignored (further failures are logged at DEBUG)",
          observer, description, callback, e);
    } else {
      log.debug("The LockObserver {} of {} threw from {}; ignored", observer, description, callback, e);
    }
  }
}
