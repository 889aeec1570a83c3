DROP INDEX request_counters_last_at;
DROP TABLE request_counters;
ALTER TABLE service_accounts DROP COLUMN credentials_version;
ALTER TABLE users DROP COLUMN credentials_version;
