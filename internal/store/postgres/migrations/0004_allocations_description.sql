-- A description filter value that matches a few allocations of a big pool
-- reads those rows instead of the whole pool, as on SQLite (whose 0002 this
-- is). PostgreSQL 13+ deduplicates the many empty descriptions.
CREATE INDEX allocations_description ON allocations (pool_id, description, addr, bits);
