-- Monitoring: each VPC and subnet block as each IPAM sees it (a resource
-- CIDR), and the address history of every span of a block's status.
--
-- A resource CIDR's first and last address as numbers (IPv4 mapped, as in
-- subnet_blocks) in a GiST index per scope answer "which blocks overlap
-- this one" in one index scan.
CREATE TABLE resource_cidrs (
    ipam_id       text COLLATE "C" NOT NULL,
    resource_id   text COLLATE "C" NOT NULL,
    cidr          text COLLATE "C" NOT NULL,
    rkey          text COLLATE "C" NOT NULL, -- resource_id || ' ' || cidr: page order
    scope_id      text COLLATE "C" NOT NULL,
    owner         text COLLATE "C" NOT NULL,
    region        text             NOT NULL,
    resource_type text             NOT NULL,
    vpc_id        text COLLATE "C" NOT NULL,
    name          text             NOT NULL,
    az_id         text             NOT NULL,
    tags          jsonb            NOT NULL,
    pool_id       text COLLATE "C" NOT NULL,
    management    text             NOT NULL,
    compliance    text             NOT NULL,
    overlap_count integer          NOT NULL,
    covered       double precision NOT NULL,
    moved         boolean          NOT NULL,
    history_id    text COLLATE "C" NOT NULL,
    since         bigint           NOT NULL, -- Unix nanoseconds
    family        smallint         NOT NULL,
    lo            numeric          NOT NULL,
    hi            numeric          NOT NULL,
    PRIMARY KEY (ipam_id, resource_id, cidr)
);
CREATE INDEX resource_cidrs_scope ON resource_cidrs (scope_id, rkey);
CREATE INDEX resource_cidrs_range ON resource_cidrs USING gist (scope_id, family, numrange(lo, hi, '[]'));
CREATE INDEX resource_cidrs_resource ON resource_cidrs (resource_id);
CREATE INDEX resource_cidrs_vpc ON resource_cidrs (scope_id, vpc_id, rkey);
CREATE INDEX resource_cidrs_pool ON resource_cidrs (pool_id, rkey);

CREATE TABLE address_history (
    id            text COLLATE "C" PRIMARY KEY, -- starts with the start time: id order is start order
    ipam_id       text COLLATE "C" NOT NULL,
    scope_id      text COLLATE "C" NOT NULL,
    owner         text COLLATE "C" NOT NULL,
    region        text             NOT NULL,
    resource_type text             NOT NULL,
    resource_id   text COLLATE "C" NOT NULL,
    vpc_id        text COLLATE "C" NOT NULL,
    name          text             NOT NULL,
    cidr          text COLLATE "C" NOT NULL,
    compliance    text             NOT NULL,
    overlap       text             NOT NULL,
    start_ns      bigint           NOT NULL, -- Unix nanoseconds
    end_ns        bigint                     -- NULL while the span lasts
);
CREATE INDEX address_history_cidr ON address_history (scope_id, cidr, id);
CREATE INDEX address_history_end ON address_history (end_ns) WHERE end_ns IS NOT NULL;
CREATE INDEX address_history_ipam ON address_history (ipam_id);
