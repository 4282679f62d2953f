package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.redis.internal.RedisSettings;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The parser of {@code redis-sentinel://} URIs: what it takes, and what it refuses with which message. */
class SentinelUriTest {

  @Test
  void sentinelsMasterDatabaseAndBothCredentialsAreRead() {
    RedisSettings s = RedisSettings.parse(URI.create(
        "redis-sentinel://app:pa%2Bss@10.0.0.1,10.0.0.2:26380/orders/3?driver=jedis&waitReplicas=1"
            + "&sentinelUser=watch&sentinelPassword=s%40nt"));
    assertThat(s.nodes()).containsExactly(new RedisSettings.Node("10.0.0.1", 26379),
        new RedisSettings.Node("10.0.0.2", 26380));
    assertThat(s.sentinel()).isEqualTo(new RedisSettings.Sentinel("orders", "watch", "s@nt"));
    assertThat(s.user()).isEqualTo("app");
    assertThat(s.password()).isEqualTo("pa+ss");
    assertThat(s.database()).isEqualTo(3);
    assertThat(s.driver()).isEqualTo("jedis");
    assertThat(s.waitReplicas()).isEqualTo(1);
    assertThat(s.cluster()).isFalse();
    assertThat(s.describe()).isEqualTo("redis-sentinel://***@10.0.0.1:26379,10.0.0.2:26380/orders/3");
    assertThat(s.sentinel().toString()).doesNotContain("s@nt");
  }

  @Test
  void oneSentinelWithoutCredentialsIsEnough() {
    RedisSettings s = RedisSettings.parse(URI.create("redis-sentinel://localhost/mymaster"));
    assertThat(s.nodes()).containsExactly(new RedisSettings.Node("localhost", 26379));
    assertThat(s.sentinel()).isEqualTo(new RedisSettings.Sentinel("mymaster", null, null));
    assertThat(s.password()).isNull();
    assertThat(s.database()).isZero();
    assertThat(s.driver()).isEqualTo("lettuce");
    assertThat(s.describe()).isEqualTo("redis-sentinel://localhost:26379/mymaster");
    assertThat(RedisSettings.parse(URI.create("redis://localhost")).sentinel()).isNull();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "redis-sentinel://a:26379,b:26379|must name the master",
      "redis-sentinel://a:26379/|must name the master",
      "redis-sentinel://a:26379//2|must name the master",
      "redis-sentinel://a:26379/m/2/x|is /master or /master/database",
      "redis-sentinel://a:26379/m/x|must be a number",
      "redis-sentinel://a:26379/m/-1|must not be negative",
      "redis-sentinel://a:x/m|bad port",
      "redis-sentinel://a:26379,/m|empty host",
      "redis-sentinel://a:26379/m?tls=true|TLS through Sentinel is not supported",
      "redis-sentinel://a:26379/m?trustPem=/etc/ca.pem|TLS through Sentinel is not supported",
      "redis-sentinel://a:26379/m?sentinelUser=w|sentinelUser needs a sentinelPassword",
      "redis-sentinel://a:26379/m?sentinelPassword=x&sentinelPassword=x|given twice",
      "redis://a:6379?sentinelPassword=x|options of a redis-sentinel uri only",
      "redis-cluster://a:1,b:2?sentinelUser=w|options of a redis-sentinel uri only",
      "redis://a:1,b:2|redis-sentinel://host:port,host:port/master",
      "redis-sentinal://a/m|redis, rediss, redis-cluster or redis-sentinel"})
  void aBadSentinelUriIsRefusedSayingWhatIsWrong(String uri, String message) {
    assertThatThrownBy(() -> RedisSettings.parse(URI.create(uri))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void theSentinelCredentialsAreMaskedInMessages() {
    String uri = "redis-sentinel://a:26379/m?sentinelUser=watch&sentinelPassword=s3cr3t&bogus=1";
    assertThat(RedisSettings.safe(URI.create(uri)))
        .isEqualTo("redis-sentinel://a:26379/m?sentinelUser=***&sentinelPassword=***&bogus=***");
    assertThatThrownBy(() -> RedisSettings.parse(URI.create(uri))).hasMessageNotContaining("s3cr3t").hasMessageNotContaining("watch");
  }

  @Test
  void theProviderServesTheScheme() {
    assertThat(new RedisLockProvider().schemes()).contains("redis-sentinel");
    assertThat(new RedisLockProvider().supports(URI.create("redis-sentinel://a/m"))).isTrue();
    assertThat(List.of("redis", "rediss", "redis-cluster")).allMatch(new RedisLockProvider().schemes()::contains);
  }
}
