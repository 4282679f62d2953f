package dev.lockkit.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockkit.idempotency.IdempotencyKey;
import dev.lockkit.idempotency.memory.MemoryIdempotencyStore;
import dev.lockkit.idempotency.spi.RecordState;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Idempotency-Key header on a real Tomcat: replays, refusals, optional and unannotated endpoints, scopes. */
class IdempotentEndpointTest {
  private static WebServer server;
  private static IdempotencyTestApp.Endpoints endpoints;

  @BeforeAll
  static void start() {
    server = WebServer.start(new Class<?>[] {IdempotencyTestApp.class}, "lockkit.idempotency.max-body-size=1KB");
    endpoints = server.bean(IdempotencyTestApp.Endpoints.class);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  @Test
  void theSameKeyAndBodyReplayTheFirstResponseWithoutRunningTheHandlerAgain() {
    String id = id();
    String key = UUID.randomUUID().toString();

    HttpResponse<String> first = server.post("/orders/" + id, key, "two apples");
    HttpResponse<String> second = server.post("/orders/" + id, key, "two apples");

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.body()).isEqualTo("{\"id\":\"" + id + "\",\"run\":1,\"body\":\"two apples\"}");
    assertThat(first.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith(id + "/1"));
    assertThat(first.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).isEmpty();
    assertThat(second.statusCode()).isEqualTo(201);
    assertThat(second.body()).isEqualTo(first.body());
    for (String header : new String[] {"Content-Type", "Location", "X-Run", "X-Multi", "Content-Length"}) {
      assertThat(second.headers().allValues(header)).as(header).isEqualTo(first.headers().allValues(header))
          .isNotEmpty();
    }
    assertThat(second.headers().allValues("X-Multi")).containsExactly("a", "b");
    assertThat(second.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void theResponseIsStoredInTheApplicationsStore() {
    String id = id();
    String key = UUID.randomUUID().toString();

    server.post("/orders/" + id, key, "one pear");

    MemoryIdempotencyStore store = server.bean(MemoryIdempotencyStore.class);
    assertThat(store.find(IdempotencyKey.of(IdempotencyKeyFilter.DEFAULT_SCOPE, key).storeKey()))
        .hasValueSatisfying(record -> assertThat(record.state()).isEqualTo(RecordState.COMPLETED));
  }

  @Test
  void theSameKeyWithAnotherBodyOrPathIsRefusedWith422() {
    String id = id();
    String key = UUID.randomUUID().toString();
    server.post("/orders/" + id, key, "two apples");

    HttpResponse<String> otherBody = server.post("/orders/" + id, key, "three apples");
    HttpResponse<String> otherPath = server.post("/orders/" + id + "x", key, "two apples");

    for (HttpResponse<String> refused : java.util.List.of(otherBody, otherPath)) {
      assertThat(refused.statusCode()).isEqualTo(422);
      assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(refused.body()).contains("\"status\":422", "used for another request");
    }
    assertThat(endpoints.runs(id)).isEqualTo(1);
    assertThat(endpoints.runs(id + "x")).isZero();
  }

  @Test
  void aMissingKeyOnARequiredEndpointIsRefusedWith400() {
    String id = id();

    HttpResponse<String> response = server.post("/orders/" + id, null, "two apples");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).contains("\"status\":400", "requires the Idempotency-Key header",
        "\"instance\":\"/orders/" + id + "\"");
    assertThat(endpoints.runs(id)).isZero();
  }

  @Test
  void anOptionalEndpointWithoutAKeyRunsEveryTimeAndWithAKeyOnce() {
    String id = id();
    assertThat(server.post("/optional/" + id, null, "x").body()).isEqualTo("run 1");
    assertThat(server.post("/optional/" + id, null, "x").body()).isEqualTo("run 2");

    String key = UUID.randomUUID().toString();
    assertThat(server.post("/optional/" + id, key, "x").body()).isEqualTo("run 3");
    HttpResponse<String> replay = server.post("/optional/" + id, key, "x");
    assertThat(replay.body()).isEqualTo("run 3");
    assertThat(replay.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
  }

  @Test
  void anEndpointWithoutTheAnnotationIgnoresTheHeader() {
    String id = id();
    String key = UUID.randomUUID().toString();

    HttpResponse<String> first = server.post("/plain/" + id, key, "x");
    HttpResponse<String> second = server.post("/plain/" + id, key, "x");

    assertThat(first.body()).isEqualTo("run 1");
    assertThat(second.body()).isEqualTo("run 2");
    assertThat(second.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).isEmpty();
  }

  @Test
  void theTypesAnnotationCoversItsMethodsAndAMethodsOwnReplacesIt() {
    IdempotencyTestApp.TypeLevel typed = server.bean(IdempotencyTestApp.TypeLevel.class);
    int before = typed.runs.get();
    assertThat(server.post("/typed/required", null, "x").statusCode()).isEqualTo(400);
    assertThat(server.post("/typed/optional", null, "x").statusCode()).isEqualTo(200);
    String key = UUID.randomUUID().toString();
    HttpResponse<String> first = server.post("/typed/required", key, "x");
    HttpResponse<String> replay = server.post("/typed/required", key, "x");
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(typed.runs.get()).isEqualTo(before + 2);
  }

  @Test
  void keysAreScopedByThePrincipal() {
    String id = id();
    String key = UUID.randomUUID().toString();

    HttpResponse<String> alice = server.post("/orders/" + id, key, "x", "X-User", "alice");
    HttpResponse<String> bob = server.post("/orders/" + id, key, "x", "X-User", "bob");
    HttpResponse<String> anonymous = server.post("/orders/" + id, key, "x");
    HttpResponse<String> aliceAgain = server.post("/orders/" + id, key, "x", "X-User", "alice");

    assertThat(alice.body()).contains("\"run\":1");
    assertThat(bob.body()).contains("\"run\":2");
    assertThat(anonymous.body()).contains("\"run\":3");
    assertThat(aliceAgain.body()).isEqualTo(alice.body());
    assertThat(aliceAgain.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(endpoints.runs(id)).isEqualTo(3);
  }

  @Test
  void aKeyLongerThan255CharactersIsRefusedNamingTheLimit() {
    String id = id();

    HttpResponse<String> response = server.post("/orders/" + id, "k".repeat(256), "x");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("256 characters long; the limit is 255 characters");
    assertThat(endpoints.runs(id)).isZero();
    assertThat(server.post("/orders/" + id, "k".repeat(255), "x").statusCode()).isEqualTo(201);
  }

  @Test
  void aQuotedKeyAsTheDraftWritesItIsTheSameKeyAsTheBareOne() {
    String id = id();
    String key = UUID.randomUUID().toString();

    HttpResponse<String> quoted = server.post("/orders/" + id, "\"" + key + "\"", "x");
    HttpResponse<String> bare = server.post("/orders/" + id, key, "x");
    HttpResponse<String> badlyQuoted = server.post("/orders/" + id, "\"a\\b\"", "x");

    assertThat(bare.body()).isEqualTo(quoted.body());
    assertThat(bare.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(badlyQuoted.statusCode()).isEqualTo(400);
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413() {
    String id = id();

    HttpResponse<String> tooLarge = server.post("/orders/" + id, UUID.randomUUID().toString(), "x".repeat(1025));
    HttpResponse<String> atTheLimit = server.post("/orders/" + id, UUID.randomUUID().toString(), "x".repeat(1024));

    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(tooLarge.body()).contains("larger than 1024 bytes", "lockkit.idempotency.max-body-size");
    assertThat(atTheLimit.statusCode()).isEqualTo(201);
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void aFormIsFingerprintedByItsParameters() {
    String id = id();
    String key = UUID.randomUUID().toString();
    String[] form = {"Content-Type", "application/x-www-form-urlencoded"};

    HttpResponse<String> first = server.post("/form/" + id, key, "qty=2", form);
    HttpResponse<String> replay = server.post("/form/" + id, key, "qty=2", form);
    HttpResponse<String> other = server.post("/form/" + id, key, "qty=3", form);

    assertThat(first.body()).isEqualTo("run 1: 2");
    assertThat(replay.body()).isEqualTo("run 1: 2");
    assertThat(replay.headers().firstValue(IdempotencyKeyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(endpoints.runs(id)).isEqualTo(1);
  }

  @Test
  void aMultipartBodyIsRefusedWith415() {
    String id = id();

    HttpResponse<String> response = server.post("/orders/" + id, UUID.randomUUID().toString(), "--b--",
        "Content-Type", "multipart/form-data; boundary=b");

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(endpoints.runs(id)).isZero();
  }

  @Test
  void theHeaderGivenTwiceIsRefusedWith400() {
    String id = id();
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
            server.request("/orders/" + id, "k1", "x"), (name, value) -> true)
        .header(IdempotencyKeyFilter.HEADER, "k2").build();

    HttpResponse<String> response = server.send(request);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("given 2 times");
    assertThat(endpoints.runs(id)).isZero();
  }
}
