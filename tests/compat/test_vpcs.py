"""VPCs and subnets that take their CIDRs from IPAM pools, through boto3
(with its own waiters and paginators) and the AWS CLI."""

import json
import os
import re
import shutil
import subprocess
import unittest

from compat_base import ACCOUNT, ENDPOINT, REGION, Base

VPC_ID = re.compile(r"^vpc-0[0-9a-f]{16}$")
SUBNET_ID = re.compile(r"^subnet-0[0-9a-f]{16}$")


class TestVpcs(Base):
    def allocations(self, pool_id):
        out = self.ec2.get_ipam_pool_allocations(IpamPoolId=pool_id)["IpamPoolAllocations"]
        return [(a["Cidr"], a["ResourceType"], a.get("ResourceId")) for a in out]

    def test_vpc_from_pool_with_waiters(self):
        _, pool = self.ipam_and_pool("10.0.0.0/16", Locale=REGION, AllocationDefaultNetmaskLength=20)
        pid = pool["IpamPoolId"]
        vpc = self.new_vpc(Ipv4IpamPoolId=pid, Ipv4NetmaskLength=24,
                           TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "a"}]}])
        self.assertRegex(vpc["VpcId"], VPC_ID)
        self.assertEqual(vpc["CidrBlock"], "10.0.0.0/24")
        self.assertEqual(vpc["OwnerId"], ACCOUNT)
        self.ec2.get_waiter("vpc_available").wait(VpcIds=[vpc["VpcId"]], WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        self.ec2.get_waiter("vpc_exists").wait(VpcIds=[vpc["VpcId"]], WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        second = self.new_vpc(Ipv4IpamPoolId=pid)
        self.assertEqual(second["CidrBlock"], "10.0.16.0/20")
        allocs = self.allocations(pid)
        self.assertEqual(allocs, [("10.0.0.0/24", "vpc", vpc["VpcId"]), ("10.0.16.0/20", "vpc", second["VpcId"])])
        a = self.ec2.get_ipam_pool_allocations(IpamPoolId=pid, Filters=[
            {"Name": "resource-type", "Values": ["vpc"]}, {"Name": "resource-id", "Values": [vpc["VpcId"]]}])
        self.assertEqual(a["IpamPoolAllocations"][0]["ResourceOwner"], ACCOUNT)
        self.assertEqual(a["IpamPoolAllocations"][0]["ResourceRegion"], REGION)

        assoc = self.ec2.associate_vpc_cidr_block(VpcId=vpc["VpcId"], Ipv4IpamPoolId=pid, Ipv4NetmaskLength=24)
        self.assertEqual(assoc["CidrBlockAssociation"]["CidrBlock"], "10.0.1.0/24")
        got = self.ec2.describe_vpcs(Filters=[{"Name": "cidr-block-association.cidr-block", "Values": ["10.0.1.0/24"]}])
        self.assertEqual([v["VpcId"] for v in got["Vpcs"]], [vpc["VpcId"]])
        self.ec2.disassociate_vpc_cidr_block(AssociationId=assoc["CidrBlockAssociation"]["AssociationId"])

        self.ec2.delete_vpc(VpcId=vpc["VpcId"])
        self.assertEqual(self.allocations(pid), [("10.0.16.0/20", "vpc", second["VpcId"])])
        self.assertClientError(self.ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[vpc["VpcId"]])

    def test_planning_pool_subnets(self):
        ipam, top = self.ipam_and_pool("10.0.0.0/8", Locale=REGION)
        vpc = self.new_vpc(Ipv4IpamPoolId=top["IpamPoolId"], Ipv4NetmaskLength=16)
        plan = self.ec2.create_ipam_pool(
            IpamScopeId=ipam["PrivateDefaultScopeId"], AddressFamily="ipv4",
            SourceResource={"ResourceId": vpc["VpcId"], "ResourceType": "vpc",
                            "ResourceRegion": REGION, "ResourceOwner": ACCOUNT})["IpamPool"]
        self.assertEqual(plan["SourceResource"]["ResourceId"], vpc["VpcId"])
        self.assertClientError(self.ec2.provision_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=plan["IpamPoolId"], Cidr="10.200.0.0/16")
        self.ec2.provision_ipam_pool_cidr(IpamPoolId=plan["IpamPoolId"], Cidr=vpc["CidrBlock"])
        subnets = []
        for _ in range(3):
            sn = self.ec2.create_subnet(VpcId=vpc["VpcId"], Ipv4IpamPoolId=plan["IpamPoolId"],
                                        Ipv4NetmaskLength=24)["Subnet"]
            self.assertRegex(sn["SubnetId"], SUBNET_ID)
            subnets.append(sn)
        self.ec2.get_waiter("subnet_available").wait(SubnetIds=[s["SubnetId"] for s in subnets],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        base = vpc["CidrBlock"].split(".")[:2]
        want = [".".join(base + [str(i), "0/24"]) for i in range(3)]
        self.assertEqual([s["CidrBlock"] for s in subnets], want)
        self.assertEqual([(c, t) for c, t, _ in self.allocations(plan["IpamPoolId"])], [(c, "subnet") for c in want])
        self.assertClientError(self.ec2.delete_vpc, "DependencyViolation", VpcId=vpc["VpcId"])
        pages = self.ec2.get_paginator("describe_subnets").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}], PaginationConfig={"PageSize": 5})
        self.assertEqual(sorted(s["SubnetId"] for p in pages for s in p["Subnets"]),
                         sorted(s["SubnetId"] for s in subnets))
        self.ec2.delete_subnet(SubnetId=subnets[1]["SubnetId"])
        again = self.ec2.create_subnet(VpcId=vpc["VpcId"], Ipv4IpamPoolId=plan["IpamPoolId"],
                                       Ipv4NetmaskLength=24)["Subnet"]
        self.assertEqual(again["CidrBlock"], want[1])

    def test_bad_input(self):
        vpc = self.new_vpc(CidrBlock="10.0.0.0/16")
        self.assertClientError(self.ec2.create_vpc, "InvalidVpc.Range", CidrBlock="10.0.0.0/8")
        self.assertClientError(self.ec2.create_subnet, "InvalidSubnet.Range", VpcId=vpc["VpcId"], CidrBlock="10.1.0.0/24")
        self.ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.0.0/24")
        self.assertClientError(self.ec2.create_subnet, "InvalidSubnet.Conflict", VpcId=vpc["VpcId"], CidrBlock="10.0.0.0/25")
        self.assertClientError(self.ec2.delete_vpc, "InvalidVpcID.NotFound", VpcId="vpc-0123456789abcdef0")
        self.assertClientError(self.ec2.delete_subnet, "InvalidSubnetID.NotFound", SubnetId="subnet-0123456789abcdef0")
        self.assertClientError(self.ec2.create_vpc, "DryRunOperation", status=412, CidrBlock="10.0.0.0/16", DryRun=True)

    def test_defaults_terraform_reads(self):
        vpc = self.new_vpc(CidrBlock="10.9.0.0/16")
        vid = vpc["VpcId"]
        for attr, want in (("enableDnsSupport", True), ("enableDnsHostnames", False),
                           ("enableNetworkAddressUsageMetrics", False)):
            out = self.ec2.describe_vpc_attribute(VpcId=vid, Attribute=attr)
            key = attr[0].upper() + attr[1:]
            self.assertEqual(out[key]["Value"], want, attr)
        acl = self.ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]},
                                                      {"Name": "vpc-id", "Values": [vid]}])["NetworkAcls"]
        rt = self.ec2.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["true"]},
                                                     {"Name": "vpc-id", "Values": [vid]}])["RouteTables"]
        sg = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]},
                                                        {"Name": "vpc-id", "Values": [vid]}])["SecurityGroups"]
        self.assertEqual((len(acl), len(rt), len(sg)), (1, 1, 1))
        self.assertTrue(acl[0]["NetworkAclId"].startswith("acl-"))
        self.assertTrue(rt[0]["RouteTableId"].startswith("rtb-"))
        self.assertEqual(sg[0]["GroupName"], "default")
        self.assertEqual(self.ec2.describe_network_interfaces(
            Filters=[{"Name": "vpc-id", "Values": [vid]}])["NetworkInterfaces"], [])
        zones = self.ec2.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in zones], ["us-east-1a", "us-east-1b", "us-east-1c"])


class TestVpcCLI(Base):
    def test_cli_vpc_from_pool(self):
        aws_bin = shutil.which("aws")
        if not aws_bin:
            raise unittest.SkipTest("the AWS CLI (aws) is not installed")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")

        def aws(*args):
            p = subprocess.run([aws_bin, "--endpoint-url", ENDPOINT, "ec2", *args, "--output", "json"],
                               env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else None

        _, pool = self.ipam_and_pool("10.50.0.0/16", Locale=REGION)
        vpc = aws("create-vpc", "--ipv4-ipam-pool-id", pool["IpamPoolId"], "--ipv4-netmask-length", "20")["Vpc"]
        self.assertEqual(vpc["CidrBlock"], "10.50.0.0/20")
        aws("wait", "vpc-available", "--vpc-ids", vpc["VpcId"])
        sn = aws("create-subnet", "--vpc-id", vpc["VpcId"], "--cidr-block", "10.50.1.0/24")["Subnet"]
        listed = aws("describe-subnets", "--filters", "Name=vpc-id,Values=" + vpc["VpcId"])["Subnets"]
        self.assertEqual([s["SubnetId"] for s in listed], [sn["SubnetId"]])
        aws("delete-subnet", "--subnet-id", sn["SubnetId"])
        aws("delete-vpc", "--vpc-id", vpc["VpcId"])
        allocs = aws("get-ipam-pool-allocations", "--ipam-pool-id", pool["IpamPoolId"])["IpamPoolAllocations"]
        self.assertEqual(allocs, [])
