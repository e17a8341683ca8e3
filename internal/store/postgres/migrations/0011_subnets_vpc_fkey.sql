-- The foreign key subnets -> vpcs goes, as 0010 dropped subnet_blocks ->
-- subnets. Its check was a query and a row lock of its own per subnet
-- inserted (about 95 of the 210 µs the insert of a subnet and its block
-- took on the server), and it guarded nothing the service does not: every
-- CreateSubnet holds its VPC's row FOR SHARE until it commits, and
-- DeleteVpc takes that row FOR UPDATE and then refuses a VPC that still
-- has a subnet (DependencyViolation), so no committed subnet can outlive
-- its VPC. The VPC checker (internal/e2e/cluster) still looks for one.
ALTER TABLE subnets DROP CONSTRAINT subnets_vpc_id_fkey;
