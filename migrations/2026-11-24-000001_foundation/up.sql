-- Reference data: regions, countries, the holiday calendar.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('province', 'regency', 'city')),
    parent_code TEXT REFERENCES regions (code)
);
CREATE INDEX regions_parent_code_idx ON regions (parent_code, code);
CREATE INDEX regions_kind_idx ON regions (kind, code);

CREATE TABLE countries (
    iso2                 TEXT PRIMARY KEY NOT NULL,
    iso3                 TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    name_id              TEXT NOT NULL,
    diplomatic_relations BOOLEAN NOT NULL
);

CREATE TABLE holidays (
    day     DATE PRIMARY KEY NOT NULL,
    name_id TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('holiday', 'cuti_bersama'))
);

-- Which version (SHA-256) of each embedded dataset was last applied.
CREATE TABLE reference_datasets (
    name      TEXT PRIMARY KEY NOT NULL,
    sha256    TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

-- Idempotency-Key store: a retried POST replays the stored response.
CREATE TABLE idempotency_keys (
    scope            TEXT NOT NULL,
    idem_key         TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
    response_status  INTEGER,
    response_headers TEXT,
    response_body    TEXT,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
