package dev.lockkit.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * An application on lockkit, run as several instances against one Redis and one database: {@link ReportJob}
 * runs on one instance per tick, {@link AccountController} serializes deposits to an account across instances
 * and writes with the lease's fencing token. All lockkit needs is lock-spring, a backend and
 * {@code lockkit.uri} (see {@code application.properties}).
 */
@SpringBootApplication
@EnableScheduling
public class ExampleApplication {

  /**
   * Starts an instance.
   *
   * @param args Spring Boot's command line arguments ({@code --lockkit.uri=redis://...})
   */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }
}
