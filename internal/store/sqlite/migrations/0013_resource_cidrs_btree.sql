-- Nothing to do on SQLite: PostgreSQL's 0013 replaces its GiST overlap
-- index with the B-tree resource_cidrs_addr SQLite has had since its 0007.
-- The file keeps the two stores' numbering alike (internal/store/migration).
SELECT 1;
