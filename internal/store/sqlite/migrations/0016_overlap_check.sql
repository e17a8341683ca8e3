-- Nothing to do on SQLite: PostgreSQL's 0016 adds the function that fails
-- a transaction whose trust in "no stored overlaps" was wrong. SQLite asks
-- (no round trip to save). The file keeps the two stores' numbering alike.
SELECT 1;
