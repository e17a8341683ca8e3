-- Nothing to do on SQLite: PostgreSQL's 0011 drops the foreign key
-- subnets -> vpcs, whose check cost a query per subnet there. The file
-- keeps the two stores' numbering alike (internal/store/migration).
SELECT 1;
