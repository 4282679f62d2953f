package dev.lockkit.idempotency;

import dev.lockkit.idempotency.internal.Checks;
import dev.lockkit.idempotency.spi.ConsumeResult;
import dev.lockkit.idempotency.spi.IdempotencyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * One-shot submission tokens, the simplest idempotency scheme: issue a token with a form, and the first
 * submission that consumes it wins; a replayed submission (a double click, a resent request) is refused. No
 * lock and no stored outcome: use it where a duplicate needs no answer beyond "already done". Thread-safe.
 *
 * <p>A token is 128 random bits from {@link SecureRandom}, URL-safe Base64 without padding (22 chars), valid in
 * the scope it was issued in. A consumed token stays marked used until its time to live ends, so that a replay
 * within that time is told apart ({@link SubmissionTokenUsedException}) from an unknown or expired token
 * ({@link SubmissionTokenUnknownException}).
 */
public final class SubmissionTokens {
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{22}");
  private static final int ATTEMPTS = 3;

  private final IdempotencyStore store;
  private final SecureRandom random = new SecureRandom();

  private SubmissionTokens(IdempotencyStore store) {
    this.store = store;
  }

  /**
   * Tokens kept in {@code store} (apart from its idempotency records).
   *
   * @param store the store
   * @return the tokens
   * @throws IllegalArgumentException if {@code store} is null
   */
  public static SubmissionTokens on(IdempotencyStore store) {
    return new SubmissionTokens(Checks.notNull(store, "store"));
  }

  /**
   * Issues a new token.
   *
   * @param scope whose token it is (a user, a session): as {@link IdempotencyKey#of}'s scope
   * @param ttl how long the token can be consumed, and a consumed one is recognised: at least 1 ms
   * @return the token, 22 chars of {@code A-Z a-z 0-9 - _}
   * @throws IllegalArgumentException if {@code scope} breaks its rules or {@code ttl} is null or shorter than
   *     1 ms
   * @throws IdempotencyStoreException if the store cannot be reached
   */
  public String issue(String scope, Duration ttl) {
    Checks.atLeastOneMilli(ttl, "ttl");
    IdempotencyKey.of(scope, "x"); // the scope's rules, before anything is drawn
    for (int i = 0; i < ATTEMPTS; i++) {
      byte[] bits = new byte[16];
      random.nextBytes(bits);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
      if (store.issueToken(IdempotencyKey.of(scope, token).storeKey(), ttl)) {
        return token;
      }
    }
    // 128 random bits meeting a live token three times in a row: the random source is broken
    throw new IllegalStateException("Three new tokens in scope " + scope + " were already live in the store");
  }

  /**
   * Consumes a token: succeeds for exactly one call per issued token, atomically, whatever the number of
   * concurrent submissions.
   *
   * @param scope the scope it was issued in
   * @param token the token the submission carried, as given (malformed tokens are unknown ones)
   * @throws SubmissionTokenUsedException if it was consumed before and has not expired
   * @throws SubmissionTokenUnknownException if it was not issued in this scope, or expired
   * @throws IllegalArgumentException if {@code token} is null or {@code scope} breaks its rules
   * @throws IdempotencyStoreException if the store cannot be reached
   */
  public void consume(String scope, String token) {
    Checks.notNull(token, "token");
    IdempotencyKey.of(scope, "x");
    if (!TOKEN.matcher(token).matches()) {
      throw new SubmissionTokenUnknownException("Submission token in scope " + scope + " is not one issued here "
          + "(not 22 chars of A-Z a-z 0-9 - _)");
    }
    ConsumeResult result = store.consumeToken(IdempotencyKey.of(scope, token).storeKey());
    switch (result) {
      case CONSUMED:
        return;
      case ALREADY_USED:
        throw new SubmissionTokenUsedException("Submission token in scope " + scope + " was used already");
      case UNKNOWN:
        throw new SubmissionTokenUnknownException("Submission token in scope " + scope + " is unknown or expired");
    }
    throw new IllegalStateException("store answered " + result);
  }
}
