-- A description filter value that matches a few allocations of a big pool
-- reads those rows instead of the whole pool, as on SQLite. PostgreSQL 13+
-- deduplicates the many empty descriptions. Databases made before the two
-- stores shared one numbering recorded this as 0004_allocations_description
-- (migrate.go's legacyNames).
CREATE INDEX allocations_description ON allocations (pool_id, description, addr, bits);
