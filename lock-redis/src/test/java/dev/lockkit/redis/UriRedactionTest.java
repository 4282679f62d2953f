package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lockkit.LockBackendException;
import dev.lockkit.LockOptions;
import dev.lockkit.redis.internal.RedisSettings;
import dev.lockkit.redis.testing.LogCapture;
import dev.lockkit.redis.testing.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No message, cause or log line shows the user info of a Redis URI: not when the URI is refused, not when
 * connecting fails, not in the description of the server. Every password here holds the fragments {@code s3c}
 * and {@code r3t}, which must appear nowhere.
 */
class UriRedactionTest {
  private static final List<String> SECRETS = List.of("s3c", "r3t", "alice");
  private static final LockOptions QUICK = LockOptions.builder().commandTimeout(Duration.ofMillis(500)).build();

  @ParameterizedTest
  @ValueSource(strings = {
      "http://alice:s3cr3t@host:6379", // foreign scheme
      "redis:alice:s3cr3t@host", // opaque: no authority at all
      "redis://alice:s3cr3t@host:x", // bad port
      "redis://alice:s3cr3t@host:0",
      "redis://alice:s3cr3t@a:1,b:2", // two servers on redis://
      "redis://alice:s3cr3t@host/x", // bad database
      "redis://alice:s3cr3t@host/-1",
      "redis://alice:s3cr3t@host?driver=hiredis",
      "redis://alice:s3cr3t@host?waitReplicas=x",
      "redis://alice:s3cr3t@host?waitReplicas=-1",
      "redis://alice:s3cr3t@host?bogus=1",
      "redis://alice:s3cr3t@host?driver=jedis&driver=jedis",
      "rediss://alice:s3cr3t@host?trustPem=/nonexistent/ca.pem",
      "redis-cluster://alice:s3cr3t@a:1,b:x",
      "redis-cluster://alice:s3cr3t@a:1/3",
      "redis-sentinel://alice:s3cr3t@a:1,b:2", // no master
      "redis-sentinel://alice:s3cr3t@a:1/m/x",
      "redis-sentinel://a:1/m?sentinelPassword=s3cr3t&tls=true",
      "redis-sentinel://a:1/m?sentinelPassword=s3cr3t&bogus=1",
      "redis-sentinel://a:1/m?sentinelUser=alice&driver=x&sentinelPassword=s3cr3t",
      "redis://a:1?sentinelPassword=s3cr3t",
      // passwords with a character that should have been percent-encoded end the authority early
      "redis://alice:s3c/r3t@host:6379",
      "redis://:s3c/r3t@host:6379",
      "redis://alice:s3c?r3t@host:6379",
      "redis://alice:s3c#r3t@host:6379",
      "redis://alice:12/s3cr3t@host:6379",
      "redis://alice:7/r3t@s3c@host:6379",
      // a password given as an option this scheme does not take
      "redis://host:6379?password=s3cr3t",
      "redis://host:6379?driver=jedis&pass=s3cr3t&x=1"})
  void aRefusedUriIsShownWithoutItsUserInfo(String uri) {
    Throwable parse = catchThrowable(() -> RedisSettings.parse(URI.create(uri)));
    assertThat(parse).as(uri).isInstanceOf(IllegalArgumentException.class);
    assertRedacted(parse);
    try (LogCapture log = LogCapture.start()) {
      Throwable connect = catchThrowable(() -> new RedisLockProvider().connect(URI.create(uri), QUICK));
      assertThat(connect).as(uri).isInstanceOf(IllegalArgumentException.class);
      assertRedacted(connect);
      assertRedacted(log.text());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis://alice:s3cr3t@127.0.0.1:%d?driver=lettuce", "redis://:s3cr3t@127.0.0.1:%d/2",
      "redis://alice:s3cr3t@127.0.0.1:%d?driver=jedis", "rediss://alice:s3cr3t@127.0.0.1:%d?driver=jedis",
      "rediss://alice:s3cr3t@127.0.0.1:%d?driver=lettuce",
      "redis-cluster://alice:s3cr3t@127.0.0.1:%d?driver=lettuce",
      "redis-cluster://alice:s3cr3t@127.0.0.1:%d?driver=jedis",
      "redis-sentinel://alice:s3cr3t@127.0.0.1:%d/m?driver=lettuce&sentinelPassword=s3cr3t",
      "redis-sentinel://alice:s3cr3t@127.0.0.1:%d/m?driver=jedis&sentinelPassword=s3cr3t"})
  void aFailedConnectShowsNeitherUserNorPassword(String pattern) {
    String uri = String.format(pattern, RedisServer.freePort()); // nothing listens there
    try (LogCapture log = LogCapture.start()) {
      Throwable e = catchThrowable(() -> new RedisLockProvider().connect(URI.create(uri), QUICK).close());
      assertThat(e).as(uri).isInstanceOf(LockBackendException.class).hasMessageContaining("127.0.0.1");
      assertRedacted(e);
      assertRedacted(log.text());
    }
  }

  @Test
  void theDescriptionOfTheServerHidesTheUserInfo() {
    RedisSettings settings = RedisSettings.parse(URI.create("redis://alice:s3cr3t@127.0.0.1:6380/2?driver=jedis"));
    assertThat(settings.describe()).isEqualTo("redis://***@127.0.0.1:6380/2");
    assertThat(settings).hasToString("redis://***@127.0.0.1:6380/2");
    RedisSettings cluster = RedisSettings.parse(URI.create("redis-cluster://alice:s3cr3t@a:1,b:2"));
    assertThat(cluster.describe()).isEqualTo("redis-cluster://***@a:1,b:2");
    assertThat(RedisSettings.parse(URI.create("redis://127.0.0.1:6380")).describe()).isEqualTo("redis://127.0.0.1:6380");
  }

  @Test
  void theRedactedUriKeepsWhatHelpsAndHidesTheRest() {
    assertThat(RedisSettings.safe(URI.create("redis://alice:s3cr3t@host:6379/2?driver=jedis&password=x")))
        .isEqualTo("redis://***@host:6379/2?driver=jedis&password=***");
    assertThat(RedisSettings.safe(URI.create("redis://host:6379"))).isEqualTo("redis://host:6379");
    assertThat(RedisSettings.safe(URI.create("redis://:s3c/r3t@host"))).isEqualTo("redis://***@host");
  }

  @Test
  void userInfoIsPercentDecodedAndAPlusStaysAPlus() {
    RedisSettings settings = RedisSettings.parse(URI.create("redis://al%40ice:a+b%2Fc%3F%23%25@host"));
    assertThat(settings.user()).isEqualTo("al@ice");
    assertThat(settings.password()).isEqualTo("a+b/c?#%");
    assertThat(RedisSettings.parse(URI.create("redis://:%C3%A9t%C3%A9@host")).password()).isEqualTo("été");
  }

  @Test
  void aPasswordThatEndsTheAuthorityEarlyIsNamedAsTheProblem() {
    assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://alice:s3c/r3t@host:6379")))
        .hasMessageContaining("percent-encoded").hasMessageContaining("redis://***@host:6379");
  }

  private static void assertRedacted(Throwable e) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    assertRedacted(trace.toString());
  }

  private static void assertRedacted(String text) {
    for (String secret : SECRETS) {
      assertThat(text).doesNotContain(secret);
    }
  }
}
