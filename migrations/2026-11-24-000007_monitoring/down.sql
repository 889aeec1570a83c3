DROP TABLE annual_reports;
DROP TABLE evaluations;
DROP TABLE action_plans;
ALTER TABLE agreements DROP COLUMN dormant_since;
ALTER TABLE activities DROP COLUMN indicator_values;
ALTER TABLE activities DROP COLUMN plan_items;
ALTER TABLE activities DROP COLUMN document_ids;
