package dev.lockkit.example;

import dev.lockkit.Lease;
import dev.lockkit.spring.scheduling.ScheduledLock;
import dev.lockkit.spring.scheduling.ScheduledLocks;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A job every instance schedules each second, which must run once per second across all of them: the instance
 * whose trigger takes the lock runs it, the others skip that tick. The minimum hold ({@code lockAtLeastFor})
 * keeps the lock on the server after a fast run, so that an instance whose trigger fires a few hundred
 * milliseconds later (clock skew, a pause) finds it still held instead of running the tick again.
 */
@Component
public class ReportJob {
  private static final Logger log = LoggerFactory.getLogger(ReportJob.class);

  private final JdbcTemplate jdbc;
  private final String instance;

  /**
   * @param jdbc the application's database
   * @param instance this instance's name, recorded with each run
   */
  public ReportJob(JdbcTemplate jdbc, @Value("${example.instance:default}") String instance) {
    this.jdbc = jdbc;
    this.instance = instance;
  }

  /** Records the run of this second's tick, with the lease's fencing token. */
  @Scheduled(cron = "${example.report.cron:* * * * * *}")
  @ScheduledLock(name = "example/report", lockAtMostFor = "30s", lockAtLeastFor = "500ms")
  public void run() {
    Lease lease = ScheduledLocks.currentLease().orElseThrow();
    long tick = Instant.now().getEpochSecond();
    jdbc.update("INSERT INTO report_run (tick, instance, fence) VALUES (?, ?, ?)", tick, instance,
        lease.fencingToken());
    log.info("report for tick {} ran on {} (fencing token {})", tick, instance, lease.fencingToken());
  }
}
