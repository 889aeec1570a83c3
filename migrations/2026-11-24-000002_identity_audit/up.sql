-- Users, service accounts, and the hash-chained audit log.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_code   TEXT REFERENCES regions (code),
    province_code TEXT REFERENCES regions (code),
    active        BOOLEAN NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_province_code_idx ON users (province_code, username);
CREATE INDEX users_region_code_idx ON users (region_code, username);

CREATE TABLE service_accounts (
    id            TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    region_code   TEXT REFERENCES regions (code),
    province_code TEXT REFERENCES regions (code),
    active        BOOLEAN NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Append-only. hash = SHA-256(prev_hash || canonical JSON of the event).
CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    occurred_at TIMESTAMP NOT NULL,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    region_code TEXT,
    request_id  TEXT,
    changes     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_record_idx ON audit_events (record_type, record_id, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);

-- The chain's head: one row, locked by every append so appends are serialized.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY NOT NULL,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
