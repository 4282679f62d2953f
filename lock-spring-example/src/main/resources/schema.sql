CREATE TABLE IF NOT EXISTS report_run (
  tick     BIGINT      NOT NULL,
  instance VARCHAR(64) NOT NULL,
  fence    BIGINT      NOT NULL
);
CREATE TABLE IF NOT EXISTS account (
  id      BIGINT PRIMARY KEY,
  balance BIGINT NOT NULL,
  -- the fencing token of the last write; a write with a token not larger than it is refused
  fence   BIGINT NOT NULL
);
