package dev.lockkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lockkit.LockOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZkSettingsTest {
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(Duration.ofSeconds(7)).build();

  private static ZkSettings parse(String uri) {
    return ZkSettings.parse(URI.create(uri), OPTIONS);
  }

  @Test
  void aSingleHostTakesTheDefaults() {
    ZkSettings s = parse("zookeeper://localhost");
    assertThat(s.connectString()).isEqualTo("localhost:2181");
    assertThat(s.chroot()).isEmpty();
    assertThat(s.sessionTimeout()).isEqualTo(ZkSettings.DEFAULT_SESSION_TIMEOUT);
    assertThat(s.connectionTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.maxRetries()).isEqualTo(ZkSettings.DEFAULT_MAX_RETRIES);
    assertThat(s.digest()).isNull();
    assertThat(s.describe()).isEqualTo("zookeeper://localhost:2181");
  }

  @Test
  void severalHostsAChrootAndParameters() {
    ZkSettings s = parse("zookeeper://h1:2181,h2,10.0.0.3:2182/apps/locks/?sessionTimeout=15s&connectionTimeout=PT3S"
        + "&maxRetries=5&retryBaseSleep=250");
    assertThat(s.connectString()).isEqualTo("h1:2181,h2:2181,10.0.0.3:2182");
    assertThat(s.chroot()).isEqualTo("/apps/locks");
    assertThat(s.sessionTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(s.connectionTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.maxRetries()).isEqualTo(5);
    assertThat(s.retryBaseSleep()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void anIpv6HostKeepsItsBrackets() {
    assertThat(parse("zookeeper://[::1]:2182").connectString()).isEqualTo("[::1]:2182");
  }

  @Test
  void credentialsAreDecodedAndNeverShown() {
    ZkSettings s = parse("zookeeper://app:p%40ss%3Aword@h1:2181/x");
    assertThat(s.digest()).isEqualTo("app:p@ss:word");
    assertThat(s.describe()).doesNotContain("p@ss").doesNotContain("app");
    assertThat(s.toString()).doesNotContain("p@ss");
    assertThat(ZkSettings.redact(URI.create("zookeeper://app:secret@h1:2181/x"))).doesNotContain("secret");
  }

  @Test
  void noRefusalShowsTheSecretOfTheUri() {
    // the secret is Xq7<c>Zr9; with <c> one of / ? #, java.net.URI ends the user info at <c>, so a parser that
    // trusted its authority would read the rest as hosts, path, parameters or fragment and show it
    List<String> refused = List.of(
        "zookeeper://app:Xq7/Zr9@h1", "zookeeper://app:Xq7?Zr9@h1", "zookeeper://app:Xq7#Zr9@h1",
        "zookeeper://app:Xq7/Zr9@h1/chroot?sessionTimeout=1s", "zookeeper://app:Xq7?Zr9@h1/chroot",
        "zookeeper:app:Xq7Zr9@h1", "redis://app:Xq7Zr9@h1", "zookeeper://app:Xq7Zr9@h1:99999",
        "zookeeper://app:Xq7Zr9@h1,,h2", "zookeeper://app:Xq7Zr9@h1?nope=1", "zookeeper://app:Xq7Zr9@h1?x",
        "zookeeper://app:Xq7Zr9@h1?sessionTimeout=0", "zookeeper://app:Xq7Zr9@h1?maxRetries=1&maxRetries=2",
        "zookeeper://app:Xq7Zr9@h1/zookeeper/x", "zookeeper://app:Xq7Zr9@h1/a//b", "zookeeper://app:Xq7Zr9@h1#f",
        "zookeeper://app:Xq7@Zr9@h1:99999", "zookeeper://:Xq7Zr9@h1", "zookeeper://app:@h1");
    for (String uri : refused) {
      Throwable refusal = catchThrowable(() -> parse(uri));
      assertThat(refusal).as(uri).isInstanceOf(IllegalArgumentException.class);
      for (Throwable t = refusal; t != null; t = t.getCause()) {
        assertThat(t.toString()).as("%s refused with %s", uri, refusal).doesNotContain("Xq7").doesNotContain("Zr9");
      }
    }
    assertThatThrownBy(() -> parse("zookeeper://app:Xq7/Zr9@h1")).hasMessageContaining("percent-encode")
        .hasMessageContaining("zookeeper://***@h1");
    assertThatThrownBy(() -> new ZooKeeperLockProvider().connect(URI.create("zookeeper://app:Xq7Zr9@h1?nope=1"),
        OPTIONS)).hasMessageContaining("nope").hasMessageNotContaining("Xq7");
  }

  @Test
  void aSecretWithReservedCharactersWorksPercentEncodedAndAnAtSignInAChrootToo() {
    ZkSettings s = parse("zookeeper://app:Xq7%2FZr9%3F%23%40@h1/apps%40eu?sessionTimeout=3s");
    assertThat(s.digest()).isEqualTo("app:Xq7/Zr9?#@");
    assertThat(s.chroot()).isEqualTo("/apps@eu");
    assertThat(s.describe()).isEqualTo("zookeeper://h1:2181/apps@eu");
  }

  @Test
  void redactionHidesEverythingUpToTheLastAtSign() {
    assertThat(ZkSettings.redact(URI.create("zookeeper://app:secret@h1:2181/x?sessionTimeout=1s")))
        .isEqualTo("zookeeper://***@h1:2181/x?sessionTimeout=1s");
    assertThat(ZkSettings.redact(URI.create("zookeeper:app:secret@h1"))).isEqualTo("zookeeper:***@h1");
    assertThat(ZkSettings.redact(URI.create("zookeeper://app:se/cr@et@h1"))).isEqualTo("zookeeper://***@h1");
    assertThat(ZkSettings.redact(URI.create("zookeeper://h1:2181/x"))).isEqualTo("zookeeper://h1:2181/x");
  }

  @Test
  void digestIdsMatchZooKeepersOwnScheme() {
    // the value ZooKeeper's DigestAuthenticationProvider computes for super:test (from its documentation)
    assertThat(DigestAcls.digest("super:test")).isEqualTo("super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
  }

  @Test
  void malformedUrisAreRefusedSayingWhy() {
    assertThatThrownBy(() -> parse("redis://localhost")).hasMessageContaining("scheme");
    assertThatThrownBy(() -> parse("zookeeper:localhost")).hasMessageContaining("zookeeper://host");
    assertThatThrownBy(() -> parse("zookeeper:///x")).hasMessageContaining("host");
    assertThatThrownBy(() -> parse("zookeeper://h1:99999")).hasMessageContaining("port");
    assertThatThrownBy(() -> parse("zookeeper://h1,,h2")).hasMessageContaining("host[:port]");
    assertThatThrownBy(() -> parse("zookeeper://h1?sessionTimout=1s")).hasMessageContaining("sessionTimout");
    assertThatThrownBy(() -> parse("zookeeper://h1?sessionTimeout=soon")).hasMessageContaining("sessionTimeout");
    assertThatThrownBy(() -> parse("zookeeper://h1?sessionTimeout=0")).hasMessageContaining("positive");
    assertThatThrownBy(() -> parse("zookeeper://h1?maxRetries=1&maxRetries=2")).hasMessageContaining("twice");
    assertThatThrownBy(() -> parse("zookeeper://h1?maxRetries=99")).hasMessageContaining("maxRetries");
    assertThatThrownBy(() -> parse("zookeeper://h1/zookeeper/x")).hasMessageContaining("/zookeeper");
    assertThatThrownBy(() -> parse("zookeeper://:secret@h1")).hasMessageContaining("user:secret");
    assertThatThrownBy(() -> ZkSettings.parse(URI.create("zookeeper://h1"),
        LockOptions.builder().namespace("zookeeper").build())).hasMessageContaining("reserves /zookeeper");
    assertThat(ZkSettings.parse(URI.create("zookeeper://h1/apps"), LockOptions.builder().namespace("zookeeper")
        .build()).chroot()).isEqualTo("/apps");
    assertThatThrownBy(() -> parse("zookeeper://user:secret@h1:99999")).hasMessageNotContaining("secret");
  }

  @Test
  void lockNamesBecomeValidPathsWithoutCollisions() {
    assertThat(LockNodes.encode("orders/42")).isEqualTo("orders/42");
    assertThat(LockNodes.encode("user@example.com:σ-1")).isEqualTo("user@example.com:σ-1");
    assertThat(LockNodes.encode("a\uD835\uDC00b")).isEqualTo("a%01D400b");
    assertThat(LockNodes.queue(java.util.List.of("b", "_c_0f2f5e8a-8c0e-4a55-9a3f-0e2cbbd8b8a1-lock-0000000002",
        "lock-0000000001", "lock-x")))
        .extracting(LockNodes.Node::sequence).containsExactly(1, 2);
  }
}
