package dev.lockkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockkit.Lease;
import dev.lockkit.LockBackendException;
import dev.lockkit.LockClient;
import dev.lockkit.LockOptions;
import dev.lockkit.Locks;
import dev.lockkit.redis.testing.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Authentication with a password and an ACL user, and TLS with a certificate the test makes. */
class RedisSecurityTest {
  private static final LockOptions OPTIONS = LockOptions.builder().commandTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path certs;

  private static RedisServer acl;
  private static RedisServer tls;
  private static Path cert;

  @BeforeAll
  static void startServers() throws Exception {
    // alice may touch only lockkit's keys and channels ("resetchannels" first: Redis 6.2 starts users with all
    // channels, after which a channel pattern is refused); "default" needs the password
    acl = RedisServer.launch("--requirepass", "topsecret",
        "--user", "alice", "on", ">wonderland", "~lockkit:*", "resetchannels", "&lockkit:*", "+@all",
        "--user", "bob", "on", ">builder", "~lockkit:*", "resetchannels", "&lockkit:*", "-@all", "+evalsha", "+eval",
        "+subscribe", "+unsubscribe", "+ping", "+wait", "+hello", "+client", "+info", "+set", "+get", "+time", "+pttl",
        "+pexpire", "+del", "+publish");
    cert = certs.resolve("cert.pem");
    Path key = certs.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true)
        .redirectOutput(certs.resolve("openssl.log").toFile()).start();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as(Files.readString(certs.resolve("openssl.log"))).isZero();
    tls = RedisServer.launchTls(cert, key, cert);
  }

  @AfterAll
  static void stopServers() {
    if (acl != null) {
      acl.stop();
    }
    if (tls != null) {
      tls.stop();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void anAclUserWithAccessToLockkitKeysLocksAndWaits(String driver) throws Exception {
    String uri = "redis://alice:wonderland@127.0.0.1:" + acl.port() + "?driver=" + driver;
    exerciseLocking(uri, "acl/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void anAclUserWithOnlyTheCommandsTheReadmeListsLocksAndWaits(String driver) throws Exception {
    String uri = "redis://bob:builder@127.0.0.1:" + acl.port() + "?driver=" + driver;
    exerciseLocking(uri, "narrow/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void thePasswordOfTheDefaultUserIsAccepted(String driver) throws Exception {
    exerciseLocking("redis://:topsecret@127.0.0.1:" + acl.port() + "?driver=" + driver, "default/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void aWrongPasswordOrNoneIsRefusedAtConnectAndLeavesNoThread(String driver) {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    for (String userInfo : new String[] {"alice:wrong@", ":wrong@", ""}) {
      String uri = "redis://" + userInfo + "127.0.0.1:" + acl.port() + "?driver=" + driver;
      assertThatThrownBy(() -> Locks.connect(uri, OPTIONS).close()).as(userInfo)
          .isInstanceOf(LockBackendException.class).hasMessageContaining("127.0.0.1:" + acl.port())
          .satisfies(e -> {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace)); // causes included
            assertThat(trace.toString()).doesNotContain("wrong").doesNotContain("alice");
          });
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(RedisConnectTest.newClientThreads(before)).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void tlsWithTheGeneratedCertificateWorks(String driver) throws Exception {
    exerciseLocking("rediss://127.0.0.1:" + tls.port() + "?trustPem=" + cert + "&driver=" + driver,
        "tls/" + driver);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lettuce", "jedis"})
  void tlsRefusesACertificateItDoesNotTrust(String driver) {
    String uri = "rediss://127.0.0.1:" + tls.port() + "?driver=" + driver;
    assertThatThrownBy(() -> Locks.connect(uri, OPTIONS).close()).isInstanceOf(LockBackendException.class);
  }

  /** Acquire, contend, wake a waiter by the release (pub/sub), renew, release. */
  private static void exerciseLocking(String uri, String name) throws Exception {
    try (LockClient a = Locks.connect(uri, OPTIONS); LockClient b = Locks.connect(uri, OPTIONS)) {
      Lease held = a.lock(name).acquire(Duration.ofSeconds(5));
      assertThat(b.lock(name).tryAcquire()).isEmpty();
      CompletableFuture<Lease> waiting = b.lock(name).acquireAsync(Duration.ofSeconds(20));
      long token = held.fencingToken();
      held.close();
      try (Lease next = waiting.get(20, TimeUnit.SECONDS)) {
        assertThat(next.fencingToken()).isGreaterThan(token);
        assertThat(next.isValid()).isTrue();
      }
    }
  }
}
