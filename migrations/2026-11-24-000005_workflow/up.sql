-- One approval case per agreement, pinned to the definition version it started on. The case's
-- stages and records are kept as JSON (domain::case::Case); every action is in the audit log.
CREATE TABLE workflow_cases (
    agreement_id       TEXT PRIMARY KEY NOT NULL REFERENCES agreements (id),
    definition_key     TEXT NOT NULL,
    definition_version INTEGER NOT NULL,
    status             TEXT NOT NULL,
    current_stage      TEXT,
    stage_due_on       DATE,
    state              TEXT NOT NULL,
    version            BIGINT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX workflow_cases_stage_idx ON workflow_cases (status, current_stage, stage_due_on);
