-- Nothing to do on SQLite: PostgreSQL's 0008 rebuilds its IPv4 overlap
-- constraint as an SP-GiST exclusion (a faster import and insert); SQLite
-- has no such constraint (see 0005). The file keeps the two stores'
-- numbering alike (internal/store/migration).
SELECT 1;
