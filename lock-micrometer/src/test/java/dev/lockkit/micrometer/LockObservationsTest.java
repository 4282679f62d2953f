package dev.lockkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lockkit.DistributedLock;
import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockClientClosedException;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import dev.lockkit.LockSettings;
import dev.lockkit.Locks;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The meters of {@link LockObservations} against a known workload on the memory backend. */
@Timeout(60)
class LockObservationsTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final String uri = "memory:metrics-" + UUID.randomUUID().toString().substring(0, 8);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<LockClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    clients.forEach(LockClient::close);
    meters.close();
  }

  private LockClient client(LockOptions options) {
    LockClient client = Locks.connect(uri, options);
    clients.add(client);
    return client;
  }

  static long acquisitions(MeterRegistry meters, String outcome) {
    var timer = meters.find(LockObservations.ACQUIRE).tag(LockObservations.OUTCOME, outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  static long leases(MeterRegistry meters, String outcome) {
    return meters.get(LockObservations.LEASE).tag(LockObservations.OUTCOME, outcome).timer().count();
  }

  static double lost(MeterRegistry meters, String cause) {
    return meters.get(LockObservations.LEASES_LOST).tag(LockObservations.CAUSE, cause).counter().count();
  }

  static double gauge(MeterRegistry meters, String name) {
    return meters.get(name).gauge().value();
  }

  /** Each of {@code n} threads waits for its acquisition: it has queued, and the release will pass it on. */
  static boolean waitingInLine(Collection<Thread> threads, int n) {
    return threads.size() == n && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
        && Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(CompletableFuture.class.getName())));
  }

  @Test
  void countsAKnownWorkloadPerOutcomeAndCause() throws Exception {
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    LockObservations observer = LockObservations.builder(meters).observationRegistry(observations).build();
    LockClient client = client(LockOptions.builder().namespace("jobs").maxLocalHandoffs(8).observer(observer).build());
    LockClient other = client(LockOptions.builder().namespace("jobs").build());

    // 3 timeouts, 1 interrupt, 1 cancellation on a lock another client holds
    Lease foreign = other.lock("busy").acquire(WAIT);
    DistributedLock busy = client.lock("busy");
    assertThat(busy.tryAcquire()).isEmpty();
    assertThat(busy.tryAcquire()).isEmpty();
    assertThat(busy.tryAcquire(Duration.ofMillis(50))).isEmpty();
    Future<Lease> interrupted = threads.submit(() -> busy.acquire());
    await().atMost(WAIT).until(() -> gauge(meters, LockObservations.WAITING) == 1);
    interrupted.cancel(true);
    await().atMost(WAIT).until(() -> gauge(meters, LockObservations.WAITING) == 0);
    CompletableFuture<Lease> cancelled = busy.acquireAsync(WAIT);
    await().atMost(WAIT).until(() -> gauge(meters, LockObservations.WAITING) == 1);
    cancelled.cancel(false);
    foreign.close();

    // 4 acquisitions of one lock, 3 of them by local hand-off
    DistributedLock work = client.lock("work");
    Lease first = work.acquire(WAIT);
    List<Future<?>> takers = new ArrayList<>();
    ConcurrentLinkedQueue<Thread> queued = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < 3; i++) {
      takers.add(threads.submit(() -> {
        queued.add(Thread.currentThread());
        try (Lease lease = work.acquire(WAIT)) {
          return lease.fencingToken();
        }
      }));
    }
    await().atMost(WAIT).until(() -> gauge(meters, LockObservations.WAITING) == 3 && waitingInLine(queued, 3));
    assertThat(gauge(meters, LockObservations.LEASES_HELD)).isEqualTo(1);
    first.close();
    for (Future<?> taker : takers) {
      taker.get(20, TimeUnit.SECONDS);
    }

    // 1 acquisition whose lease runs out (expired)
    Lease expiring = client.lock("short",
        LockSettings.builder().leaseTime(Duration.ofMillis(100)).withoutRenewal().build()).acquire(WAIT);
    await().atMost(WAIT).until(() -> lost(meters, "expired") == 1);
    assertThatThrownBy(expiring::close).isInstanceOf(LockLostException.class);

    // at close: 1 acquisition held (lost, client closed) and 1 waiting (error)
    Lease kept = client.lock("kept").acquire(WAIT);
    Lease foreignAgain = other.lock("busy").acquire(WAIT);
    Future<Lease> waiting = threads.submit(() -> busy.acquire());
    await().atMost(WAIT).until(() -> gauge(meters, LockObservations.WAITING) == 1);
    client.close();
    assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LockClientClosedException.class);
    assertThat(kept.isValid()).isFalse();
    foreignAgain.close();

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(acquisitions(meters, "acquired")).isEqualTo(6);
      assertThat(acquisitions(meters, "timeout")).isEqualTo(3);
      assertThat(acquisitions(meters, "interrupted")).isEqualTo(1);
      assertThat(acquisitions(meters, "cancelled")).isEqualTo(1);
      assertThat(acquisitions(meters, "error")).isEqualTo(1);
      assertThat(gauge(meters, LockObservations.WAITING)).isZero();
      assertThat(gauge(meters, LockObservations.LEASES_HELD)).isZero();
    });
    assertThat(meters.get(LockObservations.ACQUIRE).tag(LockObservations.OUTCOME, "error").timer().getId()
        .getTag("error")).isEqualTo("LockClientClosedException");
    assertThat(leases(meters, "released")).isEqualTo(4);
    assertThat(leases(meters, "lost")).isEqualTo(2);
    assertThat(lost(meters, "expired")).isEqualTo(1);
    assertThat(lost(meters, "client_closed")).isEqualTo(1);
    assertThat(lost(meters, "not_held")).isZero();
    assertThat(lost(meters, "backend")).isZero();
    assertThat(meters.get(LockObservations.HANDOFFS).counter().count()).isEqualTo(3);
    assertThat(meters.get(LockObservations.RENEWALS_FAILED).counter().count()).isZero();
    assertThat(leases(meters, "released") + leases(meters, "lost")).isEqualTo(acquisitions(meters, "acquired"));

    // bounded tags: backend and namespace, never the lock name
    for (Meter meter : meters.getMeters()) {
      assertThat(meter.getId().getTag(LockObservations.BACKEND)).as(meter.getId().toString()).isEqualTo("memory");
      assertThat(meter.getId().getTag(LockObservations.NAMESPACE)).as(meter.getId().toString()).isEqualTo("jobs");
      assertThat(meter.getId().getTag(LockObservations.LOCK)).as(meter.getId().toString()).isNull();
    }
  }

  @Test
  void anAcquisitionIsAChildOfTheCallersObservationWithTheLockNameForSpansOnly() throws Exception {
    ObservationRegistry observations = ObservationRegistry.create();
    ConcurrentLinkedQueue<Observation.Context> stopped = new ConcurrentLinkedQueue<>();
    observations.observationConfig().observationHandler(new ObservationHandler<>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }

      @Override
      public void onStop(Observation.Context context) {
        stopped.add(context);
      }
    });
    LockClient client = client(LockOptions.builder()
        .observer(LockObservations.builder(meters).observationRegistry(observations).build()).build());
    Observation request = Observation.start("request", observations);
    try (Observation.Scope scope = request.openScope()) {
      client.lock("orders/42").acquire(WAIT).close();
    }
    request.stop();

    Observation.Context acquire = stopped.stream().filter(c -> c.getName().equals(LockObservations.ACQUIRE))
        .findFirst().orElseThrow();
    assertThat(acquire.getParentObservation()).isSameAs(request);
    assertThat(acquire.getContextualName()).isEqualTo("lockkit acquire");
    assertThat(acquire.getHighCardinalityKeyValue(LockObservations.LOCK).getValue()).isEqualTo("orders/42");
    assertThat(acquire.getLowCardinalityKeyValue(LockObservations.LOCK)).isNull();
    assertThat(acquire.getLowCardinalityKeyValue(LockObservations.OUTCOME).getValue()).isEqualTo("acquired");
    assertThat(acquire.getLowCardinalityKeyValue(LockObservations.BACKEND).getValue()).isEqualTo("memory");
    // this registry has no meter handler: no acquisition timer, the other meters still
    assertThat(meters.find(LockObservations.ACQUIRE).timer()).isNull();
    assertThat(leases(meters, "released")).isEqualTo(1);
  }

  @Test
  void theLockNameIsATagOnlyWhenAskedFor() throws Exception {
    LockClient client = client(LockOptions.builder()
        .observer(LockObservations.builder(meters).lockNameTag().build()).build());
    client.lock("reports").acquire(WAIT).close();
    client.lock("invoices").acquire(WAIT).close();

    await().atMost(WAIT).untilAsserted(() -> {
      for (String name : List.of("reports", "invoices")) {
        assertThat(meters.get(LockObservations.ACQUIRE).tag(LockObservations.LOCK, name)
            .tag(LockObservations.OUTCOME, "acquired").timer().count()).isEqualTo(1);
        assertThat(meters.get(LockObservations.LEASE).tag(LockObservations.LOCK, name)
            .tag(LockObservations.OUTCOME, "released").timer().count()).isEqualTo(1);
        assertThat(meters.get(LockObservations.LEASES_HELD).tag(LockObservations.LOCK, name).gauge().value())
            .isZero();
      }
    });
  }

  @Test
  void instancesOnOneRegistryAddUpTheirGauges() throws Exception {
    LockClient one = client(LockOptions.builder().observer(LockObservations.of(meters)).build());
    LockClient two = client(LockOptions.builder().observer(LockObservations.of(meters)).build());
    try (Lease a = one.lock("a").acquire(WAIT); Lease b = two.lock("b").acquire(WAIT)) {
      assertThat(a.isValid() && b.isValid()).isTrue();
      assertThat(gauge(meters, LockObservations.LEASES_HELD)).isEqualTo(2);
    }
    assertThat(gauge(meters, LockObservations.LEASES_HELD)).isZero();
    await().atMost(WAIT).until(() -> acquisitions(meters, "acquired") == 2);
  }
}
