-- Nothing to revert: which records await verification is a legal fact, not a schema change.
SELECT 1;
