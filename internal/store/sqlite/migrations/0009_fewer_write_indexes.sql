-- Every B-tree a write touches is a page in the WAL at commit, and a VPC
-- or subnet write touched about thirty. This drops the ones a lookup that
-- already exists can serve:
--
-- * allocations_description holds only the allocations with a
--   description: a VPC's or subnet's allocation has none, and a filter
--   value matches only non-empty ones (list.go adds the term).
-- * resource_cidrs_key goes: a row is named by its primary key (a scope
--   belongs to one IPAM), and a resource's rows are found through the VPC
--   index, whose keys start with the resource id; that index no longer
--   leads with the scope, so a resource's rows in every scope are one
--   range of it.
-- * address_history is keyed by (scope_id, cidr, id), the order every
--   read of it wants; the separate CIDR index goes.
DROP INDEX allocations_description;
CREATE INDEX allocations_description ON allocations (pool_id, description, addr, bits) WHERE description <> '';

DROP INDEX resource_cidrs_key;
DROP INDEX resource_cidrs_vpc;
CREATE INDEX resource_cidrs_vpc ON resource_cidrs (vpc_id, rkey);

CREATE TABLE address_history_v2 (
	id            TEXT NOT NULL, -- starts with the start time: id order is start order
	ipam_id       TEXT NOT NULL,
	scope_id      TEXT NOT NULL,
	owner         TEXT NOT NULL,
	region        TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	vpc_id        TEXT NOT NULL,
	name          TEXT NOT NULL,
	cidr          TEXT NOT NULL,
	compliance    TEXT NOT NULL,
	overlap       TEXT NOT NULL,
	start_ns      INTEGER NOT NULL, -- Unix nanoseconds
	end_ns        INTEGER,          -- NULL while the span lasts
	PRIMARY KEY (scope_id, cidr, id)
) WITHOUT ROWID;
INSERT INTO address_history_v2 (id, ipam_id, scope_id, owner, region, resource_type, resource_id, vpc_id, name, cidr,
	compliance, overlap, start_ns, end_ns)
	SELECT id, ipam_id, scope_id, owner, region, resource_type, resource_id, vpc_id, name, cidr,
	compliance, overlap, start_ns, end_ns FROM address_history;
DROP TABLE address_history;
ALTER TABLE address_history_v2 RENAME TO address_history;
CREATE INDEX address_history_end ON address_history (end_ns) WHERE end_ns IS NOT NULL;
