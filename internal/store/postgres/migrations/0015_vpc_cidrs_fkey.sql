-- The foreign key vpc_cidrs -> vpcs goes, as 0011 dropped subnets -> vpcs.
-- Its check was a query and a row lock of its own per association row
-- inserted, the larger part of what a VPC's rows cost the server (31 µs for
-- the association row against 16 µs for the VPC, pg_stat_statements in the
-- CreateVpc phase). A VPC's association rows are only written with it, or
-- by its own UpdateVPC, and DeleteVPC deletes them itself, in the same
-- round trip (vpcs.go): nothing relies on the cascade any more.
ALTER TABLE vpc_cidrs DROP CONSTRAINT vpc_cidrs_vpc_id_fkey;
