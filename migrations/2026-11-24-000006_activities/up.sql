-- Implementation activities of agreements: visits, delegations, meetings, exchanges, grants…
CREATE TABLE activities (
    id             TEXT PRIMARY KEY NOT NULL,
    agreement_id   TEXT NOT NULL REFERENCES agreements (id),
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT,
    starts_on      DATE NOT NULL,
    ends_on        DATE,
    location       TEXT,
    participants   TEXT NOT NULL,
    outputs        TEXT,
    amount         TEXT,
    currency       TEXT,
    exchange_rate  TEXT,
    rate_date      DATE,
    rate_source    TEXT,
    idr_equivalent TEXT,
    created_by     TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX activities_agreement_idx ON activities (agreement_id, starts_on);
CREATE INDEX activities_starts_idx ON activities (starts_on);
