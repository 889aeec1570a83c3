-- Stored files of agreements (signed texts, letters, evidence). The bytes live in the object
-- store under `storage_key`, which the server generates; a client's file name is only metadata.
CREATE TABLE documents (
    id           TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    name         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    role         TEXT NOT NULL,
    language     TEXT,
    storage_key  TEXT NOT NULL UNIQUE,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL
);
CREATE INDEX documents_agreement_idx ON documents (agreement_id, uploaded_at);
