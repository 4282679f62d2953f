package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A lease whose renewal failed is not valid until a renewal succeeds: the server could not confirm it and may
 * have lost it (a Redis restarted without its data hands the lock to the next client while this one's lease time
 * has not run out). The fault suite's empty-restart run counted such holders as silent losses.
 */
class UnconfirmedLeaseTest {

  @Test
  void aFailedRenewalMakesTheLeaseInvalidUntilARenewalSucceeds() throws Exception {
    ScriptedBackend server = new ScriptedBackend();
    LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(30))
        .renewInterval(Duration.ofMillis(100)).commandTimeout(Duration.ofSeconds(1)).withoutCohorting().build();
    try (CoreLockClient client = CoreLockClient.open(options, context -> server)) {
      Lease lease = client.lock("orders/unconfirmed").acquire(Duration.ofSeconds(5));
      assertThat(lease.isValid()).isTrue();
      server.renewalsFail = true;
      int failedBefore = server.renewals.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> server.renewals.get() > failedBefore && !lease.isValid());
      server.renewalsFail = false;
      await().atMost(Duration.ofSeconds(10)).until(lease::isValid);
      lease.close();
    }
  }
}
