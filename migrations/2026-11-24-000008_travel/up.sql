-- Official travel abroad (PDLN, DOMAIN.md §7), the outbox that carries requests to SIOLA, SIMPEL
-- and Exit Permit, and the inbound callbacks already seen (deduplication, out-of-order holding).
CREATE TABLE travel_requests (
    id            TEXT PRIMARY KEY NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    province_code TEXT NOT NULL,
    trip_type     TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    destinations  TEXT NOT NULL,
    departs_on    DATE NOT NULL,
    returns_on    DATE NOT NULL,
    funding       TEXT NOT NULL,
    agreement_ids TEXT NOT NULL,
    travellers    TEXT NOT NULL,
    head_or_deputy BOOLEAN NOT NULL,
    stage         TEXT NOT NULL,
    records       TEXT NOT NULL,
    returned_on   DATE,
    report_due_on DATE,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX travel_requests_scope_idx ON travel_requests (province_code, region_code, stage);
CREATE INDEX travel_requests_dates_idx ON travel_requests (region_code, departs_on);

CREATE TABLE travel_documents (
    id                TEXT PRIMARY KEY NOT NULL,
    travel_request_id TEXT NOT NULL REFERENCES travel_requests (id),
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    media_type        TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL,
    sha256            TEXT NOT NULL,
    storage_key       TEXT NOT NULL,
    uploaded_by       TEXT NOT NULL,
    uploaded_at       TIMESTAMP NOT NULL
);
CREATE INDEX travel_documents_request_idx ON travel_documents (travel_request_id);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    target          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    region_code     TEXT,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT,
    last_status     INTEGER,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_record_idx ON outbox (record_id);

CREATE TABLE inbound_messages (
    system            TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    travel_request_id TEXT,
    outcome           TEXT NOT NULL,
    payload           TEXT NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (system, message_id)
);
CREATE INDEX inbound_messages_request_idx ON inbound_messages (travel_request_id, outcome);
