-- Nothing to do on SQLite: PostgreSQL's 0015 drops the foreign key
-- vpc_cidrs -> vpcs, whose check cost a query and a row lock per
-- association row there. SQLite keeps it (and its cascade). The file keeps
-- the two stores' numbering alike (internal/store/migration).
SELECT 1;
