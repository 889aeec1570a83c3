-- The agreement registry: foreign partners, agreements, their partners, reference numbers.
CREATE TABLE partners (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    name_normalized   TEXT NOT NULL,
    native_name       TEXT,
    kind              TEXT NOT NULL,
    level             TEXT,
    legal_personality BOOLEAN,
    political_party   BOOLEAN NOT NULL,
    country           TEXT NOT NULL REFERENCES countries (iso2),
    subdivision       TEXT,
    website           TEXT,
    contacts          TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (name_normalized, country)
);
CREATE INDEX partners_country_idx ON partners (country, name_normalized);

CREATE TABLE agreements (
    id                   TEXT PRIMARY KEY NOT NULL,
    reference_number     TEXT NOT NULL UNIQUE,
    region_code          TEXT NOT NULL REFERENCES regions (code),
    province_code        TEXT NOT NULL REFERENCES regions (code),
    kind                 TEXT NOT NULL,
    subtype              TEXT NOT NULL,
    instrument           TEXT NOT NULL,
    parent_id            TEXT REFERENCES agreements (id),
    predecessor_id       TEXT REFERENCES agreements (id),
    title_id             TEXT NOT NULL,
    title_en             TEXT,
    objects              TEXT NOT NULL,
    sectors              TEXT NOT NULL,
    languages            TEXT NOT NULL,
    details              TEXT NOT NULL,
    creates_foreign_loan BOOLEAN NOT NULL,
    value_amount         TEXT,
    value_currency       TEXT,
    signed_on            DATE,
    signed_place         TEXT,
    effective_from       DATE,
    expires_on           DATE,
    status               TEXT NOT NULL,
    legacy               BOOLEAN NOT NULL,
    level_justification  TEXT,
    search_text          TEXT NOT NULL,
    version              BIGINT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX agreements_province_idx ON agreements (province_code, reference_number);
CREATE INDEX agreements_region_idx ON agreements (region_code, reference_number);
CREATE INDEX agreements_status_idx ON agreements (status, expires_on);
CREATE INDEX agreements_expires_idx ON agreements (expires_on);

CREATE TABLE agreement_partners (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    partner_id   TEXT NOT NULL REFERENCES partners (id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, partner_id)
);
CREATE INDEX agreement_partners_partner_idx ON agreement_partners (partner_id);

-- Gap-free reference numbers per region and year, allocated inside the creating transaction.
CREATE TABLE reference_counters (
    region_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last_value  INTEGER NOT NULL,
    PRIMARY KEY (region_code, year)
);
