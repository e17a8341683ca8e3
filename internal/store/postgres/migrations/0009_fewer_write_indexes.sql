-- allocations_description holds only the allocations with a description:
-- a VPC's or subnet's allocation has none, and a filter value matches only
-- non-empty ones (allocations.go adds the term), so those inserts skip the
-- index. SQLite's 0009 also drops monitoring indexes its writes paid for;
-- here the resource index and the history's id key stay (the id key is
-- appended to; PostgreSQL finds a row through them).
DROP INDEX allocations_description;
CREATE INDEX allocations_description ON allocations (pool_id, description, addr, bits) WHERE description <> '';
