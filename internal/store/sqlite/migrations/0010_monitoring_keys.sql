-- Nothing to do on SQLite: PostgreSQL's 0010 keys resource_cidrs by
-- (scope_id, rkey) and address_history by (scope_id, cidr, id), as
-- SQLite's 0009 already does, and drops a foreign key whose check cost a
-- query per subnet there. The file keeps the two stores' numbering
-- alike (internal/store/migration).
SELECT 1;
