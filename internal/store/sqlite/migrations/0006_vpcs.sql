-- VPCs and subnets, stored whole as JSON like IPAMs and pools, with the
-- columns their lookups need: a VPC's CIDR associations by id, and each
-- subnet block as its first and last address (16 bytes, big-endian, IPv4
-- mapped) so the overlap probe within a VPC is an index seek.
CREATE TABLE vpcs (
	id    TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	doc   TEXT NOT NULL
);
CREATE INDEX vpcs_owner ON vpcs (owner, id);

CREATE TABLE vpc_cidrs (
	association_id TEXT PRIMARY KEY,
	vpc_id         TEXT NOT NULL REFERENCES vpcs (id) ON DELETE CASCADE,
	owner          TEXT NOT NULL,
	cidr           TEXT NOT NULL
);
CREATE INDEX vpc_cidrs_vpc ON vpc_cidrs (vpc_id);

CREATE TABLE subnets (
	id     TEXT PRIMARY KEY,
	owner  TEXT NOT NULL,
	vpc_id TEXT NOT NULL REFERENCES vpcs (id),
	doc    TEXT NOT NULL
);
CREATE INDEX subnets_owner ON subnets (owner, id);
CREATE INDEX subnets_vpc ON subnets (vpc_id, id);

CREATE TABLE subnet_blocks (
	vpc_id    TEXT NOT NULL,
	family    INTEGER NOT NULL, -- 4 or 6
	first     BLOB NOT NULL,
	last      BLOB NOT NULL,
	subnet_id TEXT NOT NULL REFERENCES subnets (id) ON DELETE CASCADE,
	PRIMARY KEY (vpc_id, family, first)
) WITHOUT ROWID;
CREATE INDEX subnet_blocks_subnet ON subnet_blocks (subnet_id);
