-- Monitoring (DOMAIN.md §6): what activities realise and prove, action plans with success
-- indicators, evaluations scored with a kept instrument version, annual reports (R22), and the
-- dormancy flag set by the background job.
ALTER TABLE activities ADD COLUMN document_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activities ADD COLUMN plan_items TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activities ADD COLUMN indicator_values TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agreements ADD COLUMN dormant_since DATE;

CREATE TABLE action_plans (
    agreement_id TEXT PRIMARY KEY NOT NULL REFERENCES agreements (id),
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    items        TEXT NOT NULL,
    indicators   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE evaluations (
    id                 TEXT PRIMARY KEY NOT NULL,
    agreement_id       TEXT NOT NULL REFERENCES agreements (id),
    region_code        TEXT NOT NULL,
    province_code      TEXT NOT NULL,
    instrument_key     TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    period_start       DATE NOT NULL,
    period_end         DATE NOT NULL,
    status             TEXT NOT NULL,
    answers            TEXT NOT NULL,
    summary            TEXT,
    total              TEXT,
    category           TEXT,
    review_note        TEXT,
    created_by         TEXT NOT NULL,
    submitted_by       TEXT,
    submitted_at       TIMESTAMP,
    verified_by        TEXT,
    verified_at        TIMESTAMP,
    version            BIGINT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX evaluations_agreement_idx ON evaluations (agreement_id, period_end);
CREATE INDEX evaluations_region_idx ON evaluations (province_code, region_code, status);

CREATE TABLE annual_reports (
    id            TEXT PRIMARY KEY NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    province_code TEXT NOT NULL,
    fiscal_year   INTEGER NOT NULL,
    due_on        DATE NOT NULL,
    status        TEXT NOT NULL,
    content       TEXT,
    notes         TEXT,
    submitted_by  TEXT,
    submitted_at  TIMESTAMP,
    submitted_on  DATE,
    on_time       BOOLEAN,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (region_code, fiscal_year)
);
CREATE INDEX annual_reports_year_idx ON annual_reports (fiscal_year, province_code);
