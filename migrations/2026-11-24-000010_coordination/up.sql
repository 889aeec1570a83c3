-- Coordination and promotion: regional potentials, coordination meetings with numbered
-- recommendations and their follow-up, good practices reviewed before publication.
CREATE TABLE potentials (
    id            TEXT PRIMARY KEY NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    province_code TEXT NOT NULL,
    sector        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    figures       TEXT,
    needs         TEXT,
    search_text   TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX potentials_region_idx ON potentials (region_code);
CREATE INDEX potentials_sector_idx ON potentials (sector);

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY NOT NULL,
    region_code   TEXT,
    province_code TEXT,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    starts_on     DATE NOT NULL,
    ends_on       DATE,
    place         TEXT NOT NULL,
    organiser     TEXT NOT NULL,
    participants  TEXT NOT NULL,
    agenda        TEXT,
    audience      TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX meetings_scope_idx ON meetings (province_code, region_code, starts_on);

CREATE TABLE recommendations (
    id                  TEXT PRIMARY KEY NOT NULL,
    meeting_id          TEXT NOT NULL REFERENCES meetings (id),
    number              INTEGER NOT NULL,
    text                TEXT NOT NULL,
    owner_region_code   TEXT,
    owner_province_code TEXT,
    owner_agency        TEXT,
    due_on              DATE,
    status              TEXT NOT NULL,
    notes               TEXT NOT NULL,
    agreement_ids       TEXT NOT NULL,
    region_codes        TEXT NOT NULL,
    version             BIGINT NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (meeting_id, number)
);
CREATE INDEX recommendations_due_idx ON recommendations (status, due_on);

CREATE TABLE good_practices (
    id            TEXT PRIMARY KEY NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    province_code TEXT NOT NULL,
    title         TEXT NOT NULL,
    context       TEXT NOT NULL,
    actions       TEXT NOT NULL,
    results       TEXT NOT NULL,
    figures       TEXT NOT NULL,
    lessons       TEXT NOT NULL,
    agreement_ids TEXT NOT NULL,
    activity_ids  TEXT NOT NULL,
    status        TEXT NOT NULL,
    review_note   TEXT,
    reviewed_by   TEXT,
    published_at  TIMESTAMP,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX good_practices_scope_idx ON good_practices (province_code, region_code, status);
CREATE INDEX good_practices_published_idx ON good_practices (status, published_at);

CREATE TABLE meeting_documents (
    id          TEXT PRIMARY KEY NOT NULL,
    meeting_id  TEXT NOT NULL REFERENCES meetings (id),
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX meeting_documents_meeting_idx ON meeting_documents (meeting_id);
