package dev.lockkit.idempotency;

import dev.lockkit.idempotency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * The key of one idempotent operation, within a scope: the scope keeps the keys of one tenant or client apart
 * from another's, so that two clients choosing the same key never see each other's outcome. Immutable; equal
 * when scope and key are equal (exactly: no case folding, no normalisation, no trimming).
 *
 * <p>Rules, checked by {@link #of}: the scope is 1 to {@value #MAX_SCOPE_LENGTH} characters, the key 1 to
 * {@value #MAX_KEY_LENGTH}; neither contains control characters (U+0000 to U+001F, U+007F to U+009F) or
 * unpaired surrogates. Anything else is allowed: spaces, {@code /}, {@code :}, any Unicode letter.
 */
public final class IdempotencyKey {
  /** The longest scope, in chars. */
  public static final int MAX_SCOPE_LENGTH = 64;
  /** The longest key, in chars. */
  public static final int MAX_KEY_LENGTH = 255;
  /** The longest {@link #storeKey()}, in chars: two digits, two colons, a scope and a key. */
  public static final int MAX_STORE_KEY_LENGTH = 2 + 1 + MAX_SCOPE_LENGTH + 1 + MAX_KEY_LENGTH;
  /** The longest {@link #storeKey()} in UTF-8, in bytes (no char of a well-formed string takes more than 3). */
  public static final int MAX_STORE_KEY_UTF8_BYTES = 2 + 1 + 3 * MAX_SCOPE_LENGTH + 1 + 3 * MAX_KEY_LENGTH;

  private final String scope;
  private final String key;

  private IdempotencyKey(String scope, String key) {
    this.scope = scope;
    this.key = key;
  }

  /**
   * A key within a scope.
   *
   * @param scope whose key it is (a tenant, a client, an endpoint): 1 to {@value #MAX_SCOPE_LENGTH} chars
   * @param key the key the client sent: 1 to {@value #MAX_KEY_LENGTH} chars
   * @return the key
   * @throws IllegalArgumentException if either is null, empty, too long, or contains a control character or an
   *     unpaired surrogate, naming which and the rule
   */
  public static IdempotencyKey of(String scope, String key) {
    Checks.text(scope, "scope", 1, MAX_SCOPE_LENGTH);
    Checks.text(key, "key", 1, MAX_KEY_LENGTH);
    return new IdempotencyKey(scope, key);
  }

  /**
   * The scope.
   *
   * @return the scope
   */
  public String scope() {
    return scope;
  }

  /**
   * The key within the scope.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The one string a store keys this by: {@code <length of scope>:<scope>:<key>}, the length in decimal
   * digits. Unambiguous: the length says where the scope ends, whatever characters scope and key contain, so
   * two different keys never share a store key. This is the only encoding of keys for stores.
   *
   * @return the store key, at most {@value #MAX_STORE_KEY_LENGTH} chars
   */
  public String storeKey() {
    return scope.length() + ":" + scope + ":" + key;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof IdempotencyKey k && scope.equals(k.scope) && key.equals(k.key);
  }

  @Override
  public int hashCode() {
    return 31 * scope.hashCode() + key.hashCode();
  }

  /**
   * The scope and the key, for messages and logs: {@code scope/key} with both quoted if either contains a
   * {@code /} or a quote.
   *
   * @return a readable form
   */
  @Override
  public String toString() {
    if (scope.indexOf('/') >= 0 || scope.indexOf('\'') >= 0 || key.indexOf('/') >= 0 || key.indexOf('\'') >= 0) {
      return "'" + scope.replace("'", "\\'") + "'/'" + key.replace("'", "\\'") + "'";
    }
    return scope + "/" + key;
  }
}
