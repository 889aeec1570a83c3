-- Holidays as data an administrator maintains (issue #17): each load of a year's national
-- holidays and cuti bersama (a joint ministerial decree, SKB, or its amendment) is a new
-- version; the newest version of each year is the one in force, the older ones stay readable.
-- The built-in CSV seeds version 1 of each year it lists when the year has none (startup).
-- The table `holidays` (foundation) is superseded: the calendar is built from these.
CREATE TABLE calendar_year_versions (
    year          INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    decree_number TEXT,
    decree_date   DATE,
    source_note   TEXT NOT NULL,
    -- `built_in` (the binary's CSV) or `loaded` (an administrator, API or CLI).
    source        TEXT NOT NULL CHECK (source IN ('built_in', 'loaded')),
    loaded_by     TEXT NOT NULL,
    loaded_at     TIMESTAMP NOT NULL,
    day_count     INTEGER NOT NULL,
    PRIMARY KEY (year, version)
);

CREATE TABLE calendar_days (
    year    INTEGER NOT NULL,
    version INTEGER NOT NULL,
    day     DATE NOT NULL,
    name_id TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('holiday', 'cuti_bersama')),
    PRIMARY KEY (year, version, day),
    FOREIGN KEY (year, version) REFERENCES calendar_year_versions (year, version)
);
