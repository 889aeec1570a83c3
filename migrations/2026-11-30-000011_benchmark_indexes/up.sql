-- Chosen from the query plans of the national benchmark (BENCHMARKS.md, issue #10).
-- The filtered list (a province or a region, one status, by expiry) reads its page in index
-- order instead of sorting every matching row; the expiry-window counts are index-only.
CREATE INDEX agreements_province_status_expiry_idx ON agreements (province_code, status, expires_on, id);
CREATE INDEX agreements_region_status_expiry_idx ON agreements (region_code, status, expires_on, id);
-- stats/overview counts by status, kind, region and dormancy from the index alone.
CREATE INDEX agreements_province_counts_idx ON agreements (province_code, status, kind, region_code, dormant_since);
