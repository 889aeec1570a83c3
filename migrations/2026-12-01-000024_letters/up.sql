-- Official letters and the annual report as documents (issue #20 items 3 and 4).
--
-- Letter templates are data an administrator replaces: each replacement is the next version of
-- its kind, the newest is used; version 0 is the template shipped in the binary
-- (domain/src/letters.rs) and is not stored. `content` is the JSON {subject, addressee, body}.
CREATE TABLE letter_templates (
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, version)
);

-- A region's letterhead (kop surat) and signatory, as its letters print them. `content` is the
-- JSON {government_name, office_name, address, place, contact, signatory_title,
-- signatory_name, signatory_nip}; a region without one prints defaults from its name.
CREATE TABLE region_letterheads (
    region_code TEXT PRIMARY KEY,
    content     TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- A rendering of a submitted (frozen) annual report, stored with its hash.
CREATE TABLE annual_report_documents (
    id               TEXT PRIMARY KEY,
    annual_report_id TEXT NOT NULL REFERENCES annual_reports (id),
    format           TEXT NOT NULL,
    name             TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    size_bytes       BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    storage_key      TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX annual_report_documents_report ON annual_report_documents (annual_report_id);
