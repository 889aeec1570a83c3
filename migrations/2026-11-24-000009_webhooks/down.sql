DROP INDEX audit_events_type_seq_idx;
DROP TABLE webhook_endpoints;
