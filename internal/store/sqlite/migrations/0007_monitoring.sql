-- Monitoring: each VPC and subnet block as each IPAM sees it (a resource
-- CIDR), and the address history of every span of a block's status.
--
-- A resource CIDR's first and last address (16 bytes, IPv4 mapped, as in
-- subnet_blocks) make the blocks inside one an index range of
-- resource_cidrs_addr, and the blocks that contain one are among those
-- that start at one of its shorter networks: a few more probes of the same
-- index. Every index costs each write, so there are few.
CREATE TABLE resource_cidrs (
	ipam_id       TEXT NOT NULL,
	resource_id   TEXT NOT NULL,
	cidr          TEXT NOT NULL,
	rkey          TEXT NOT NULL, -- resource_id || ' ' || cidr: page order
	scope_id      TEXT NOT NULL,
	owner         TEXT NOT NULL,
	region        TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	vpc_id        TEXT NOT NULL,
	name          TEXT NOT NULL,
	az_id         TEXT NOT NULL,
	tags          TEXT NOT NULL, -- JSON
	pool_id       TEXT NOT NULL,
	management    TEXT NOT NULL,
	compliance    TEXT NOT NULL,
	overlap_count INTEGER NOT NULL,
	covered       REAL NOT NULL,
	moved         INTEGER NOT NULL,
	history_id    TEXT NOT NULL,
	since         INTEGER NOT NULL, -- Unix nanoseconds
	family        INTEGER NOT NULL,
	first         BLOB NOT NULL,
	last          BLOB NOT NULL,
	-- A scope's page is one range of the table itself, in page order; the
	-- key of the domain, (ipam_id, resource_id, cidr), is a unique index.
	PRIMARY KEY (scope_id, rkey)
) WITHOUT ROWID;
CREATE UNIQUE INDEX resource_cidrs_key ON resource_cidrs (resource_id, ipam_id, cidr);
CREATE INDEX resource_cidrs_addr ON resource_cidrs (scope_id, family, first);
CREATE INDEX resource_cidrs_vpc ON resource_cidrs (scope_id, vpc_id, rkey);
CREATE INDEX resource_cidrs_pool ON resource_cidrs (pool_id, rkey);

CREATE TABLE address_history (
	id            TEXT PRIMARY KEY, -- starts with the start time: id order is start order
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
	end_ns        INTEGER           -- NULL while the span lasts
) WITHOUT ROWID;
CREATE INDEX address_history_cidr ON address_history (scope_id, cidr, id);
CREATE INDEX address_history_end ON address_history (end_ns) WHERE end_ns IS NOT NULL;
