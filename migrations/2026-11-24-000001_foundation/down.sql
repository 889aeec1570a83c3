DROP TABLE idempotency_keys;
DROP TABLE reference_datasets;
DROP TABLE holidays;
DROP TABLE countries;
DROP TABLE regions;
