-- Issue #18 items 2 and 3.
-- A per-account credentials version, carried by every token (`cv`) and checked against the
-- account: a password reset, a role or region change, disabling or re-enabling bumps it, and the
-- tokens issued before are refused.
ALTER TABLE users ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE service_accounts ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 1;

-- Counters every server sees: failed sign-ins per (name, client address) and per client address,
-- and public feed requests per client address. `first_at` starts the counting window, `last_at`
-- is the last counted event, `blocked_until` the end of the current wait.
CREATE TABLE request_counters (
    counter_key   TEXT PRIMARY KEY,
    hits          BIGINT NOT NULL,
    first_at      TIMESTAMP NOT NULL,
    last_at       TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP
);
CREATE INDEX request_counters_last_at ON request_counters (last_at);
