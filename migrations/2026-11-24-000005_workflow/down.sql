DROP TABLE workflow_cases;
