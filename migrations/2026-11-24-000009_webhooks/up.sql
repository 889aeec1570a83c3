-- Outbound webhooks for frontends and partners: subscriptions to domain events, delivered
-- through the outbox with Standard Webhooks signatures, disabled after repeated failure.
CREATE TABLE webhook_endpoints (
    id                   TEXT PRIMARY KEY NOT NULL,
    url                  TEXT NOT NULL,
    description          TEXT,
    event_types          TEXT NOT NULL,
    region_code          TEXT,
    secret               TEXT NOT NULL,
    active               BOOLEAN NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    disabled_reason      TEXT,
    created_by           TEXT NOT NULL,
    version              BIGINT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_type_seq_idx ON audit_events (record_type, seq);
