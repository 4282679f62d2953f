package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallBoundsTest {
  private static final Duration TIMEOUT = Duration.ofMillis(100);

  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final CallBounds bounds = new CallBounds(timer, TIMEOUT);

  @AfterEach
  void stop() {
    bounds.close();
    timer.shutdownNow();
  }

  @Test
  void aCallWithoutAnswerFailsWithATimeout() {
    long start = System.nanoTime();
    CompletableFuture<String> call = bounds.bound(new CompletableFuture<>());

    await().atMost(Duration.ofSeconds(10)).until(call::isDone);
    assertThat(call).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
        .withCauseInstanceOf(TimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(TIMEOUT);
  }

  @Test
  void anOverdueCallIsToldOnceAndLeftOpenForItsLateAnswer() {
    CompletableFuture<String> call = new CompletableFuture<>();
    AtomicInteger expired = new AtomicInteger();
    bounds.bound(call, expired::incrementAndGet);

    await().atMost(Duration.ofSeconds(10)).until(() -> expired.get() == 1);
    // several more sweeps run meanwhile: still told once, and the late answer still lands
    await().during(TIMEOUT.multipliedBy(3)).atMost(Duration.ofSeconds(10))
        .until(() -> expired.get() == 1);
    assertThat(call.complete("late")).isTrue();
  }

  @Test
  void aCallAnsweredInTimeIsNeverTold() {
    CompletableFuture<String> call = new CompletableFuture<>();
    AtomicInteger expired = new AtomicInteger();
    bounds.bound(call, expired::incrementAndGet);
    call.complete("on time");

    await().during(TIMEOUT.multipliedBy(3)).atMost(Duration.ofSeconds(10))
        .until(() -> expired.get() == 0);
    assertThat(bounds.bound(CompletableFuture.completedFuture("done"))).isCompletedWithValue("done");
  }

  @Test
  void anOverdueActionThatThrowsLeavesTheSweepRunningForLaterCalls() {
    AtomicInteger thrown = new AtomicInteger();
    bounds.bound(new CompletableFuture<>(), () -> {
      thrown.incrementAndGet();
      throw new IllegalStateException("a backend's bug");
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> thrown.get() == 1);

    CompletableFuture<String> later = bounds.bound(new CompletableFuture<>());
    await().atMost(Duration.ofSeconds(10)).until(later::isDone);
    assertThat(later).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
        .withCauseInstanceOf(TimeoutException.class);
  }
}
