DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE service_accounts;
DROP TABLE users;
