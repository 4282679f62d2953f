package dev.lockkit.spring.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code lockkit.idempotency.*} properties: the defaults of the {@link Idempotent} endpoints. Each setter
 * refuses a bad value with an {@link IllegalArgumentException} naming the property, which fails the application's
 * start.
 */
@ConfigurationProperties(IdempotencyProperties.PREFIX)
public class IdempotencyProperties {
  /** The prefix of these properties. */
  public static final String PREFIX = "lockkit.idempotency";
  /** The default {@link #getMaxBodySize()}: 1 MiB. */
  public static final DataSize DEFAULT_MAX_BODY_SIZE = DataSize.ofMegabytes(1);
  /** The largest {@link #getMaxBodySize()}: 512 MiB (a body is held in memory). */
  public static final DataSize LARGEST_MAX_BODY_SIZE = DataSize.ofMegabytes(512);

  /**
   * How long a stored response is replayed to requests with its key, from when it was stored; also the longest
   * time a request may hold its key while being processed. At least 1ms. Default 24h.
   */
  private Duration retention = Duration.ofHours(24);

  /**
   * How long a request waits while another request with its key is being processed, before it gets 409 Conflict.
   * 0 (the default) answers 409 at once, as the Idempotency-Key draft says.
   */
  private Duration maxWait = Duration.ZERO;

  /**
   * The largest request body of an @Idempotent endpoint (it is held in memory to fingerprint the request); a
   * larger one gets 413 Content Too Large. 1B to 512MB. Default 1MB.
   */
  private DataSize maxBodySize = DEFAULT_MAX_BODY_SIZE;

  /** Creates the properties with their defaults. */
  public IdempotencyProperties() {}

  /**
   * The retention of stored responses.
   *
   * @return the retention
   */
  public Duration getRetention() {
    return retention;
  }

  /**
   * Sets the retention of stored responses.
   *
   * @param retention at least 1 ms
   * @throws IllegalArgumentException if null or shorter than 1 ms
   */
  public void setRetention(Duration retention) {
    if (retention == null || retention.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(PREFIX + ".retention must be at least 1ms, was " + retention);
    }
    this.retention = retention;
  }

  /**
   * How long a duplicate waits for the request being processed.
   *
   * @return the wait, zero for none
   */
  public Duration getMaxWait() {
    return maxWait;
  }

  /**
   * Sets how long a duplicate waits for the request being processed.
   *
   * @param maxWait zero or positive
   * @throws IllegalArgumentException if null or negative
   */
  public void setMaxWait(Duration maxWait) {
    if (maxWait == null || maxWait.isNegative()) {
      throw new IllegalArgumentException(PREFIX + ".max-wait must be zero or positive, was " + maxWait);
    }
    this.maxWait = maxWait;
  }

  /**
   * The largest request body.
   *
   * @return the size
   */
  public DataSize getMaxBodySize() {
    return maxBodySize;
  }

  /**
   * Sets the largest request body.
   *
   * @param maxBodySize 1 byte to {@link #LARGEST_MAX_BODY_SIZE}
   * @throws IllegalArgumentException if null or out of that range
   */
  public void setMaxBodySize(DataSize maxBodySize) {
    if (maxBodySize == null || maxBodySize.toBytes() < 1
        || maxBodySize.toBytes() > LARGEST_MAX_BODY_SIZE.toBytes()) {
      throw new IllegalArgumentException(PREFIX + ".max-body-size must be 1B to 512MB, was " + maxBodySize);
    }
    this.maxBodySize = maxBodySize;
  }
}
