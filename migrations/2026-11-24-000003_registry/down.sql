DROP TABLE reference_counters;
DROP TABLE agreement_partners;
DROP TABLE agreements;
DROP TABLE partners;
