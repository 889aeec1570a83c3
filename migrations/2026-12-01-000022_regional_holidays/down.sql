DROP TABLE regional_days_off;
DROP TABLE regional_calendar_versions;
