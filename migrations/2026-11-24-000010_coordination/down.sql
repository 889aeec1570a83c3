DROP TABLE meeting_documents;
DROP TABLE good_practices;
DROP TABLE recommendations;
DROP TABLE meetings;
DROP TABLE potentials;
