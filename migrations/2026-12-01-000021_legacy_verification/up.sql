-- R23 / R9 (issue #16): an agreement signed on or after 13 July 2018 (PP 28/2018 in force) and
-- recorded as legacy, outside the approval workflow, counts as in force only once a central
-- reviewer has verified the references of its DPRD approval, Kemendagri consideration and Kemlu
-- confirmation. Those recorded before this rule existed wait for that verification like any new
-- record (their region adds the letters; `POST /v1/agreements/{id}/verification`).
UPDATE agreements
   SET status = 'pending_verification', version = version + 1
 WHERE legacy = TRUE
   AND signed_on >= '2018-07-13'
   AND status IN ('active', 'expired');
