package dev.lockkit.micrometer;

import dev.lockkit.LockObserver;
import dev.lockkit.LockOptions;
import dev.lockkit.ObservedLock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * lockkit's metrics and traces through Micrometer: a {@link LockObserver} to set with
 * {@link LockOptions.Builder#observer(LockObserver)}.
 *
 * <pre>{@code
 * LockObservations observations = LockObservations.builder(meterRegistry)
 *     .observationRegistry(observationRegistry)   // optional: spans too, and the timers of its meter handler
 *     .build();
 * LockClient locks = Locks.connect(uri, LockOptions.builder().observer(observations).build());
 * }</pre>
 *
 * <p>Each acquisition is an {@link Observation} named {@value #ACQUIRE}: started on the caller's thread (so a
 * span of it is a child of the caller's current observation), stopped when the acquisition ends, with the
 * low-cardinality key values {@value #BACKEND}, {@value #NAMESPACE} and {@value #OUTCOME} (acquired, timeout,
 * interrupted, cancelled, error), and the lock name as {@value #LOCK}: high cardinality (spans only) by default,
 * low cardinality (a tag of every meter) after {@link Builder#lockNameTag()}. An acquisition that failed is
 * reported as the observation's error. The timer {@value #ACQUIRE} comes from the observation registry's meter
 * handler: without {@link Builder#observationRegistry} one of this observer's own, with a
 * {@link DefaultMeterObservationHandler} on the meter registry; a registry given must have such a handler (Spring
 * Boot's has) for the timer to exist.
 *
 * <p>On the meter registry, tagged {@value #BACKEND} and {@value #NAMESPACE} (and {@value #LOCK} after
 * {@link Builder#lockNameTag()}):
 *
 * <ul>
 *   <li>{@value #LEASE} (timer, tag {@value #OUTCOME}: released, lost): how long each holding was held;
 *   <li>{@value #LEASES_LOST} (counter, tag {@value #CAUSE}: expired, not_held, backend, client_closed);
 *   <li>{@value #RENEWALS_FAILED} (counter): renewals that got no answer or an error;
 *   <li>{@value #HANDOFFS} (counter): local hand-offs under cohorting;
 *   <li>{@value #LEASES_HELD} (gauge): holdings now;
 *   <li>{@value #WAITING} (gauge): acquisitions in progress now, threads blocked in one and asynchronous ones.
 * </ul>
 *
 * <p>One instance may serve several clients; their counts with equal tags add up, and so do those of several
 * instances on one meter registry. Thread-safe.
 */
public final class LockObservations implements LockObserver {
  /** The observation, and its timer, of each acquisition. */
  public static final String ACQUIRE = "lockkit.acquire";
  /** The timer of each holding's time. */
  public static final String LEASE = "lockkit.lease";
  /** The counter of holdings lost. */
  public static final String LEASES_LOST = "lockkit.leases.lost";
  /** The counter of failed renewals. */
  public static final String RENEWALS_FAILED = "lockkit.renewals.failed";
  /** The counter of local hand-offs. */
  public static final String HANDOFFS = "lockkit.handoffs";
  /** The gauge of holdings now. */
  public static final String LEASES_HELD = "lockkit.leases.held";
  /** The gauge of acquisitions in progress now. */
  public static final String WAITING = "lockkit.acquisitions.waiting";

  /** The tag of the backend's scheme: {@code redis}, {@code redis-cluster}, {@code zookeeper}, ... */
  public static final String BACKEND = "backend";
  /** The tag of the client's namespace. */
  public static final String NAMESPACE = "namespace";
  /** The tag, or the span's key value, of the lock name. */
  public static final String LOCK = "lock";
  /** The tag of how an acquisition or a holding ended. */
  public static final String OUTCOME = "outcome";
  /** The tag of why a holding was lost. */
  public static final String CAUSE = "cause";

  /**
   * The values behind the gauges of each meter registry, shared by every instance on it: a registry keeps only
   * the first gauge of a name and tags, so two instances with gauges of their own would show one's counts.
   */
  private static final Map<MeterRegistry, Map<GaugeId, AtomicLong>> GAUGES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private final MeterRegistry meters;
  private final ObservationRegistry observations;
  private final boolean lockNameTag;
  private final ConcurrentHashMap<Key, Instruments> byTags = new ConcurrentHashMap<>();

  private LockObservations(MeterRegistry meters, ObservationRegistry observations, boolean lockNameTag) {
    this.meters = meters;
    this.observations = observations;
    this.lockNameTag = lockNameTag;
  }

  /**
   * An observer with meters on {@code meters}, and acquisition observations on a registry of its own that
   * only makes their timers there (no spans).
   *
   * @param meters where the meters go
   * @return the observer
   * @throws NullPointerException if {@code meters} is null
   */
  public static LockObservations of(MeterRegistry meters) {
    return builder(meters).build();
  }

  /**
   * A builder of an observer with meters on {@code meters}.
   *
   * @param meters where the meters go
   * @return a new builder
   * @throws NullPointerException if {@code meters} is null
   */
  public static Builder builder(MeterRegistry meters) {
    return new Builder(Objects.requireNonNull(meters, "meters"));
  }

  private record Key(String backend, String namespace, @Nullable String name) {}

  private record GaugeId(String name, Tags tags) {}

  /** The meters of one set of tags. */
  private static final class Instruments {
    final AtomicLong held;
    final AtomicLong waiting;
    final Timer released;
    final Timer lost;
    final Map<LossCause, Counter> lostBy = new EnumMap<>(LossCause.class);
    final Counter renewalsFailed;
    final Counter handoffs;

    Instruments(MeterRegistry registry, Tags tags) {
      held = gauge(registry, LEASES_HELD, tags, "lockkit holdings now");
      waiting = gauge(registry, WAITING, tags,
          "lockkit acquisitions in progress now: threads blocked in one, and asynchronous ones");
      released = leaseTimer(registry, tags, "released");
      lost = leaseTimer(registry, tags, "lost");
      for (LossCause cause : LossCause.values()) {
        lostBy.put(cause, Counter.builder(LEASES_LOST).tags(tags).tag(CAUSE, value(cause))
            .description("lockkit holdings lost, by cause").register(registry));
      }
      renewalsFailed = Counter.builder(RENEWALS_FAILED).tags(tags)
          .description("lockkit lease renewals that got no answer in time or an error").register(registry);
      handoffs = Counter.builder(HANDOFFS).tags(tags)
          .description("lockkit locks passed between threads of a client without a round trip (cohorting)")
          .register(registry);
    }

    private static Timer leaseTimer(MeterRegistry registry, Tags tags, String outcome) {
      return Timer.builder(LEASE).tags(tags).tag(OUTCOME, outcome)
          .description("how long each lockkit holding was held, until released or lost").register(registry);
    }

    private static AtomicLong gauge(MeterRegistry registry, String name, Tags tags, String description) {
      Map<GaugeId, AtomicLong> values = GAUGES.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
      return values.computeIfAbsent(new GaugeId(name, tags), id -> {
        AtomicLong value = new AtomicLong();
        // the map keeps the value: a gauge holds it only weakly
        Gauge.builder(name, value, AtomicLong::get).tags(tags).description(description).register(registry);
        return value;
      });
    }
  }

  private Instruments instruments(ObservedLock lock) {
    return byTags.computeIfAbsent(new Key(lock.backend(), lock.namespace(), lockNameTag ? lock.name() : null),
        key -> {
          Tags tags = Tags.of(BACKEND, key.backend(), NAMESPACE, key.namespace());
          return new Instruments(meters, key.name() == null ? tags : tags.and(LOCK, key.name()));
        });
  }

  private record Acquisition(Instruments instruments, Observation observation) {}

  @Override
  public Object acquisitionStarted(ObservedLock lock) {
    Instruments m = instruments(lock);
    m.waiting.incrementAndGet();
    Observation observation = Observation.createNotStarted(ACQUIRE, observations)
        .contextualName("lockkit acquire")
        .lowCardinalityKeyValue(BACKEND, lock.backend())
        .lowCardinalityKeyValue(NAMESPACE, lock.namespace());
    observation = lockNameTag ? observation.lowCardinalityKeyValue(LOCK, lock.name())
        : observation.highCardinalityKeyValue(LOCK, lock.name());
    return new Acquisition(m, observation.start());
  }

  @Override
  public void acquisitionEnded(ObservedLock lock, @Nullable Object state, AcquisitionOutcome outcome,
      Duration wait, @Nullable Throwable failure) {
    if (!(state instanceof Acquisition acquisition)) {
      return;
    }
    acquisition.instruments().waiting.decrementAndGet();
    Observation observation = acquisition.observation().lowCardinalityKeyValue(OUTCOME, value(outcome));
    if (failure != null) {
      observation.error(failure);
    }
    observation.stop();
  }

  @Override
  public Object leaseStarted(ObservedLock lock) {
    Instruments m = instruments(lock);
    m.held.incrementAndGet();
    return m;
  }

  @Override
  public void leaseEnded(ObservedLock lock, @Nullable Object state, LeaseEnd end, Duration held) {
    if (!(state instanceof Instruments m)) {
      return;
    }
    m.held.decrementAndGet();
    (end == LeaseEnd.LOST ? m.lost : m.released).record(held);
  }

  @Override
  public void leaseLost(ObservedLock lock, LossCause cause) {
    Objects.requireNonNull(instruments(lock).lostBy.get(cause)).increment();
  }

  @Override
  public void renewalFailed(ObservedLock lock, Throwable failure) {
    instruments(lock).renewalsFailed.increment();
  }

  @Override
  public void handedOff(ObservedLock lock) {
    instruments(lock).handoffs.increment();
  }

  private static String value(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return "LockObservations{" + meters.getClass().getSimpleName() + (lockNameTag ? ", lock name tagged}" : "}");
  }

  /**
   * Builds {@link LockObservations}; each option may be set once.
   */
  public static final class Builder {
    private final MeterRegistry meters;
    private @Nullable ObservationRegistry observations;
    private boolean lockNameTag;

    private Builder(MeterRegistry meters) {
      this.meters = meters;
    }

    /**
     * Makes each acquisition an observation on {@code observations}: its handlers make the timer
     * {@value LockObservations#ACQUIRE} (a {@link DefaultMeterObservationHandler}) and spans (a tracing handler).
     * Without it the observer uses a registry of its own that makes the timer on the meter registry only.
     *
     * @param observations the application's observation registry
     * @return this builder
     * @throws NullPointerException if null
     * @throws IllegalStateException if already set
     */
    public Builder observationRegistry(ObservationRegistry observations) {
      if (this.observations != null) {
        throw new IllegalStateException("observationRegistry was already set");
      }
      this.observations = Objects.requireNonNull(observations, "observations");
      return this;
    }

    /**
     * Tags every meter with the lock name ({@value LockObservations#LOCK}). Off by default: each lock name
     * then makes meters of its own, kept for the registry's life, which only suits an application with few,
     * fixed lock names (not {@code orders/<id>}).
     *
     * @return this builder
     * @throws IllegalStateException if already called
     */
    public Builder lockNameTag() {
      if (lockNameTag) {
        throw new IllegalStateException("lockNameTag() was already called");
      }
      lockNameTag = true;
      return this;
    }

    /**
     * Builds the observer.
     *
     * @return the observer
     */
    public LockObservations build() {
      ObservationRegistry registry = observations;
      if (registry == null) {
        registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
      }
      return new LockObservations(meters, registry, lockNameTag);
    }
  }
}
