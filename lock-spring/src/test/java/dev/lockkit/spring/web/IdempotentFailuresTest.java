package dev.lockkit.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What is stored and what gives the key up (5xx, exceptions, retry statuses, 4xx, sendError), and duplicates that
 * arrive while the first request is inside its handler.
 */
class IdempotentFailuresTest {
  private static WebServer server;
  private static IdempotencyTestApp.Endpoints endpoints;

  @BeforeAll
  static void start() {
    server = WebServer.start(new Class<?>[] {IdempotencyTestApp.class});
    endpoints = server.bean(IdempotencyTestApp.Endpoints.class);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void releaseHandlers() {
    endpoints.release.countDown();
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  @Test
  void a5xxResponseGivesTheKeyUpSoThatTheRetryRunsTheHandlerAgain() {
    String id = id();
    String key = key();

    HttpResponse<String> first = server.post("/flaky/" + id, key, "x");
    HttpResponse<String> retry = server.post("/flaky/" + id, key, "x");
    HttpResponse<String> replay = server.post("/flaky/" + id, key, "x");

    assertThat(first.statusCode()).isEqualTo(503);
    assertThat(first.body()).isEqualTo("run 1");
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.body()).isEqualTo("run 2");
    assertThat(retry.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).isEmpty();
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.body()).isEqualTo("run 2");
    assertThat(replay.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(2);
  }

  @Test
  void anExceptionGivesTheKeyUpAndReachesSpringsErrorHandling() {
    String id = id();
    String key = key();

    HttpResponse<String> first = server.post("/boom/" + id, key, "x");
    HttpResponse<String> retry = server.post("/boom/" + id, key, "x");

    assertThat(first.statusCode()).isEqualTo(500);
    assertThat(first.body()).contains("\"status\":500", "/boom/" + id);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.body()).isEqualTo("run 2");
    assertThat(endpoints.runs(id)).isEqualTo(2);
  }

  @Test
  void a4xxResponseIsStoredAndReplayed() {
    String id = id();
    String key = key();

    HttpResponse<String> first = server.post("/status/409/" + id, key, "x");
    HttpResponse<String> replay = server.post("/status/409/" + id, key, "x");

    assertThat(first.statusCode()).isEqualTo(409);
    assertThat(replay.statusCode()).isEqualTo(409);
    assertThat(replay.body()).isEqualTo(first.body()).isEqualTo("run 1");
    assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
    assertThat(replay.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void aRetryStatusSuchAs429GivesTheKeyUp() {
    String id = id();
    String key = key();

    HttpResponse<String> first = server.post("/status/429/" + id, key, "x");
    HttpResponse<String> second = server.post("/status/429/" + id, key, "x");

    assertThat(first.statusCode()).isEqualTo(429);
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(second.body()).isEqualTo("run 2");
    assertThat(second.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).isEmpty();
  }

  @Test
  void aSendErrorIsStoredAndReplayedThroughTheErrorPage() {
    String id = id();
    String key = key();

    HttpResponse<String> first = server.post("/gone/" + id, key, "x");
    HttpResponse<String> replay = server.post("/gone/" + id, key, "x");

    assertThat(first.statusCode()).isEqualTo(410);
    assertThat(first.body()).contains("\"status\":410");
    assertThat(replay.statusCode()).isEqualTo(410);
    assertThat(replay.body()).contains("\"status\":410");
    assertThat(replay.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void aDuplicateWhileTheFirstIsInsideTheHandlerGets409() throws Exception {
    String id = id();
    String key = key();
    endpoints.entered = new CountDownLatch(1);
    endpoints.release = new CountDownLatch(1);

    CompletableFuture<HttpResponse<String>> first = server.postAsync("/slow/" + id, key, "x");
    assertThat(endpoints.entered.await(30, TimeUnit.SECONDS)).as("the first request entered the handler").isTrue();
    HttpResponse<String> duplicate = server.post("/slow/" + id, key, "x");
    HttpResponse<String> otherBody = server.post("/slow/" + id, key, "y");
    endpoints.release.countDown();
    HttpResponse<String> done = first.get(30, TimeUnit.SECONDS);
    HttpResponse<String> after = server.post("/slow/" + id, key, "x");

    assertThat(duplicate.statusCode()).isEqualTo(409);
    assertThat(duplicate.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(duplicate.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(duplicate.body()).contains("\"status\":409", "is being processed");
    assertThat(otherBody.statusCode()).isEqualTo(422);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("slow run 1");
    assertThat(after.body()).isEqualTo("slow run 1");
    assertThat(after.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void aDuplicateOnAnEndpointThatWaitsGetsTheFirstResponseOnceItIsStored() throws Exception {
    String id = id();
    String key = key();
    endpoints.entered = new CountDownLatch(1);
    endpoints.release = new CountDownLatch(1);

    CompletableFuture<HttpResponse<String>> first = server.postAsync("/slow-wait/" + id, key, "x");
    assertThat(endpoints.entered.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<HttpResponse<String>> duplicate = server.postAsync("/slow-wait/" + id, key, "x");
    // the duplicate waits for the first instead of answering 409
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10)).until(() -> !duplicate.isDone());
    endpoints.release.countDown();

    assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo("slow run 1");
    HttpResponse<String> replay = duplicate.get(30, TimeUnit.SECONDS);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).isEqualTo("slow run 1");
    assertThat(replay.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void concurrentRequestsWithOneKeyRunTheHandlerOnce() throws Exception {
    String id = id();
    String key = key();
    int requests = 16;
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      responses.add(server.postAsync("/orders/" + id, key, "same"));
    }
    CompletableFuture.allOf(responses.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);

    int created = 0;
    for (CompletableFuture<HttpResponse<String>> response : responses) {
      HttpResponse<String> r = response.get();
      assertThat(r.statusCode()).isIn(201, 409);
      if (r.statusCode() == 201) {
        created++;
        assertThat(r.body()).contains("\"run\":1");
      }
    }
    assertThat(created).isPositive();
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }
}
