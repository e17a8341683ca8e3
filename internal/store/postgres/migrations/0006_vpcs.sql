-- VPCs and subnets, stored whole as JSON like IPAMs and pools, with the
-- columns their lookups need: a VPC's CIDR associations by id, and each
-- subnet block as the numbers of its first and last address (IPv4 mapped
-- into the IPv6 space, ::ffff:a.b.c.d).
--
-- subnet_blocks_no_overlap is the database's own guarantee that no two
-- subnets of one VPC overlap, whichever node writes them: an exclusion
-- constraint over each block's address range per VPC and family (built-in
-- functions only, as for allocations in 0005). The family keeps an IPv6
-- block such as ::/64, which spans the mapped IPv4 addresses, apart from
-- the IPv4 blocks. Its GiST index also answers the service's overlap probe.
CREATE TABLE vpcs (
    id    text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    doc   jsonb            NOT NULL
);
CREATE INDEX vpcs_owner ON vpcs (owner, id);

CREATE TABLE vpc_cidrs (
    association_id text COLLATE "C" PRIMARY KEY,
    vpc_id         text COLLATE "C" NOT NULL REFERENCES vpcs (id) ON DELETE CASCADE,
    owner          text COLLATE "C" NOT NULL,
    cidr           cidr             NOT NULL
);
CREATE INDEX vpc_cidrs_vpc ON vpc_cidrs (vpc_id);

CREATE TABLE subnets (
    id     text COLLATE "C" PRIMARY KEY,
    owner  text COLLATE "C" NOT NULL,
    vpc_id text COLLATE "C" NOT NULL REFERENCES vpcs (id),
    doc    jsonb            NOT NULL
);
CREATE INDEX subnets_owner ON subnets (owner, id);
CREATE INDEX subnets_vpc ON subnets (vpc_id, id);

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE subnet_blocks (
    subnet_id text COLLATE "C" NOT NULL REFERENCES subnets (id) ON DELETE CASCADE,
    vpc_id    text COLLATE "C" NOT NULL,
    cidr      cidr             NOT NULL,
    lo        numeric          NOT NULL,
    hi        numeric          NOT NULL,
    CHECK (lo <= hi),
    CONSTRAINT subnet_blocks_no_overlap EXCLUDE USING gist (
        vpc_id WITH =, family(cidr) WITH =, numrange(lo, hi, '[]') WITH &&)
);
CREATE INDEX subnet_blocks_subnet ON subnet_blocks (subnet_id);

-- The pools-per-scope quota counts a scope's pools (CountPools) on every
-- CreateIpamPool; with a planning pool per VPC there are thousands.
CREATE INDEX pools_scope ON pools (owner, scope_id);
