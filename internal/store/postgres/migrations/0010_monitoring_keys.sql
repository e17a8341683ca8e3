-- Less server work per subnet. A subnet's or VPC's resource CIDR row kept
-- six indexes and its history record three, and each is a page change and
-- a WAL record per write. Keyed as SQLite's 0009 keys them:
--
-- * resource_cidrs by (scope_id, rkey): a scope belongs to one IPAM, so
--   this names a row as (ipam_id, resource_id, cidr) did, and it is the
--   scope's page order, so resource_cidrs_scope goes too. A resource's
--   rows are one rkey range of the VPC index, which now leads with the
--   VPC (a VPC's own rows have vpc_id = its id), so resource_cidrs_resource
--   goes.
-- * address_history by (scope_id, cidr, id), the order every read wants
--   (every write names it too); the CIDR index and the id key go.
-- * address_history_ipam goes, and resource_cidrs has no index by IPAM
--   any more: only DeleteIpam reads by IPAM, and it may scan the two
--   tables once, as it does on SQLite.
--
-- And the foreign key subnet_blocks -> subnets goes: its check ran a
-- query of its own per block inserted, and locked the subnet row the same
-- statement had just inserted (about 6 % of the server's CPU per
-- CreateSubnet). A subnet's blocks are only ever written with it, in one
-- statement, and DeleteSubnet now removes them itself, also in one
-- statement (vpcs.go).
ALTER TABLE resource_cidrs DROP CONSTRAINT resource_cidrs_pkey;
DROP INDEX resource_cidrs_scope, resource_cidrs_resource, resource_cidrs_vpc;
ALTER TABLE resource_cidrs ADD CONSTRAINT resource_cidrs_pkey PRIMARY KEY (scope_id, rkey);
CREATE INDEX resource_cidrs_vpc ON resource_cidrs (vpc_id, rkey);

ALTER TABLE address_history DROP CONSTRAINT address_history_pkey;
DROP INDEX address_history_cidr, address_history_ipam;
ALTER TABLE address_history ADD CONSTRAINT address_history_pkey PRIMARY KEY (scope_id, cidr, id);

ALTER TABLE subnet_blocks DROP CONSTRAINT subnet_blocks_subnet_id_fkey;
