package dev.lockkit.example;

import dev.lockkit.Lease;
import dev.lockkit.LockClient;
import dev.lockkit.LockTimeoutException;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Deposits to an account, from any instance: a read-modify-write of the balance under a per-account lock, and a
 * write that the database applies only with a fencing token larger than the last one it stored, so that a
 * holder that paused past its lease cannot overwrite a newer holder's balance.
 */
@RestController
public class AccountController {
  private final LockClient locks;
  private final JdbcTemplate jdbc;

  /**
   * @param locks the application's lock client (lock-spring's auto-configuration makes it)
   * @param jdbc the application's database
   */
  public AccountController(LockClient locks, JdbcTemplate jdbc) {
    this.locks = locks;
    this.jdbc = jdbc;
  }

  /**
   * Adds {@code amount} to the account's balance.
   *
   * @param id the account
   * @param amount what to add
   * @return 200 with the new balance; 409 if the write was fenced off (the lease was lost meanwhile); 503 if
   *     the lock did not come within 5 seconds
   * @throws InterruptedException if the request thread is interrupted while waiting for the lock
   */
  @PostMapping("/accounts/{id}/deposits")
  public ResponseEntity<Map<String, Object>> deposit(@PathVariable("id") long id,
      @RequestParam("amount") long amount) throws InterruptedException {
    try (Lease lease = locks.lock("account/" + id).acquire(Duration.ofSeconds(5))) {
      long balance = jdbc.queryForObject("SELECT balance FROM account WHERE id = ?", Long.class, id);
      int written = jdbc.update("UPDATE account SET balance = ?, fence = ? WHERE id = ? AND fence < ?",
          balance + amount, lease.fencingToken(), id, lease.fencingToken());
      if (written == 0) {
        return ResponseEntity.status(HttpStatus.CONFLICT)
            .body(Map.of("error", "a newer lock holder wrote this account: this deposit was not applied"));
      }
      return ResponseEntity.ok(Map.of("id", id, "balance", balance + amount, "fence", lease.fencingToken()));
    } catch (LockTimeoutException e) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("error", e.getMessage()));
    }
  }

  /**
   * The account's balance.
   *
   * @param id the account
   * @return its balance and the fencing token of its last write
   */
  @GetMapping("/accounts/{id}")
  public Map<String, Object> account(@PathVariable("id") long id) {
    return jdbc.queryForMap("SELECT id, balance, fence FROM account WHERE id = ?", id);
  }
}
