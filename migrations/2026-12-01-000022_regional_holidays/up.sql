-- Regional days off (issue #17 item 4): a region's own non-working days (a province's or a
-- regency's/city's holiday decree), on top of the national calendar. As for the national
-- years, each load of a region's year is a new version; the newest is in force, the older
-- ones stay readable. A province's days apply to the province and its regencies/cities; a
-- regency's/city's to itself only (domain/src/calendar.rs).
CREATE TABLE regional_calendar_versions (
    region_code   TEXT NOT NULL,
    year          INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    decree_number TEXT,
    decree_date   DATE,
    source_note   TEXT NOT NULL,
    loaded_by     TEXT NOT NULL,
    loaded_at     TIMESTAMP NOT NULL,
    day_count     INTEGER NOT NULL,
    PRIMARY KEY (region_code, year, version)
);

CREATE TABLE regional_days_off (
    region_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    day         DATE NOT NULL,
    name_id     TEXT NOT NULL,
    PRIMARY KEY (region_code, year, version, day),
    FOREIGN KEY (region_code, year, version)
        REFERENCES regional_calendar_versions (region_code, year, version)
);
