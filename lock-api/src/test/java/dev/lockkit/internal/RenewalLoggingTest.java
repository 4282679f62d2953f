package dev.lockkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lockkit.Lease;
import dev.lockkit.LockLostException;
import dev.lockkit.LockOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A lease lost because renewal failed until it ran out logs one line per event, not one per retry. */
class RenewalLoggingTest {

  @Test
  void aLeaseLostToFailingRenewalsLogsOneWarningForTheTroubleAndOneForTheLoss() throws Exception {
    ScriptedBackend server = new ScriptedBackend();
    LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(900))
        .renewInterval(Duration.ofMillis(100)).withoutCohorting().build();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (CoreLockClient client = CoreLockClient.open(options, context -> server)) {
      Lease lease = client.lock("orders/renewal-logging").acquire(Duration.ofSeconds(5));
      AtomicReference<LockLostException> heard = new AtomicReference<>();
      lease.onLost(heard::set);
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        server.renewalsFail = true;
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.get() != null);
      } finally {
        System.setErr(err);
      }
      assertThat(server.renewals.get()).as("renewal was retried").isGreaterThan(3);
    }
    String[] warnings = Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\\R"))
        .filter(line -> line.contains("WARN") && line.contains("orders/renewal-logging")).toArray(String[]::new);
    assertThat(warnings).as(String.join("\n", warnings)).hasSize(2);
    assertThat(warnings[0]).contains("Renewal of lock 'orders/renewal-logging' failed");
    assertThat(warnings[1]).contains("was lost");
  }
}
