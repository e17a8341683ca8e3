-- Nothing to do on SQLite: PostgreSQL's 0012 restates a CHECK constraint
-- SQLite does not have. The file keeps the two stores' numbering alike
-- (internal/store/migration).
SELECT 1;
