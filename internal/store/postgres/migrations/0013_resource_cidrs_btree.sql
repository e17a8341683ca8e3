-- Overlap lookups by B-tree, as on SQLite (its 0007): a resource CIDR that
-- overlaps block p either starts inside p (one range of the index) or
-- starts at the network of one of p's shorter prefixes, down to the
-- largest resource block, and reaches p (a probe each). The GiST index on
-- numrange(lo, hi) answered the same in one search, but each insert into
-- it cost 30-40 µs more per row than this one (30,000 rows of /23s, an
-- upsert each through pgx, wall time: 88-89 against 47-56 µs a row), and
-- every VPC and subnet write pays that inside its pool's lock. Lookups
-- cost about the same either way (61-69 against 54-57 µs each).
DROP INDEX resource_cidrs_range;
CREATE INDEX resource_cidrs_addr ON resource_cidrs (scope_id, family, lo);
