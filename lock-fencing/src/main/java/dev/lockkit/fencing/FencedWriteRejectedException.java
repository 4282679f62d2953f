package dev.lockkit.fencing;

import java.util.OptionalLong;

/**
 * The storage refused a fenced write: the stored fence was not below the writer's token, so a holder with a
 * newer (or the same) token wrote first and the writer's lease, whatever it believes, is no longer the latest.
 * The writer must not retry with the same token; it has lost the resource and should give up its work (roll back
 * its transaction, in JDBC). Thrown by the {@code ...OrThrow} methods; the plain ones answer {@code false}.
 */
public class FencedWriteRejectedException extends FencingException {
  private static final long serialVersionUID = 1L;

  /** The table, fence table or key written to. */
  private final String target;
  /** The row's id or the resource's name, as text. */
  private final String id;
  /** The refused token. */
  private final long token;
  /** The stored fence read after the refusal, 0 if unknown. */
  private final long storedFence;

  /**
   * Creates the exception.
   *
   * @param target the table, fence table or Redis key written to
   * @param id the row's id or the fenced resource's name ({@code ""} for a Redis key)
   * @param token the writer's token, which was refused
   * @param storedFence the fence found stored after the refusal, or {@code 0} if none was read or none exists
   * @param detail what the refusal means in this case, for humans
   */
  public FencedWriteRejectedException(String target, String id, long token, long storedFence, String detail) {
    super(detail, null);
    this.target = target;
    this.id = id;
    this.token = token;
    this.storedFence = storedFence;
  }

  /**
   * The table, fence table or Redis key the write went to.
   *
   * @return the target as the helper names it
   */
  public String target() {
    return target;
  }

  /**
   * The id of the row, or the name of the fenced resource; empty for a Redis key.
   *
   * @return the id as text
   */
  public String id() {
    return id;
  }

  /**
   * The writer's refused token.
   *
   * @return the token, positive
   */
  public long token() {
    return token;
  }

  /**
   * The fence stored when the write was refused, as read right after the refusal.
   *
   * @return the stored fence, or empty if it was not read or the row does not exist
   */
  public OptionalLong storedFence() {
    return storedFence > 0 ? OptionalLong.of(storedFence) : OptionalLong.empty();
  }
}
