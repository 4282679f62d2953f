package dev.lockkit.idempotency.faults;

/** The two guards the fault runs compare. */
enum GuardKind {
  /** lockkit's guard with {@code JdbcIdempotency}: the effect and the outcome commit in one fenced transaction. */
  FENCED("fenced"),
  /** The usual hand-written scheme: {@code SET NX PX} to claim, the effect, a plain {@code SET} of the result. */
  UNFENCED("unfenced");

  private final String label;

  GuardKind(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
