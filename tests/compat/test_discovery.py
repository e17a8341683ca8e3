"""Resource discovery through boto3: each IPAM's default discovery and its
association, and the VPC and subnet blocks the discovery sees, with boto3's
paginators."""

import datetime
import re

from compat_base import ACCOUNT, REGION, Base

DISCO_ID = re.compile(r"^ipam-res-disco-0[0-9a-f]{16}$")
ASSOC_ID = re.compile(r"^ipam-res-disco-assoc-0[0-9a-f]{16}$")


class TestResourceDiscovery(Base):
    def discovered(self, disco, **kwargs):
        pages = self.ec2.get_paginator("get_ipam_discovered_resource_cidrs").paginate(
            IpamResourceDiscoveryId=disco, ResourceRegion=REGION, **kwargs)
        return [r for p in pages for r in p["IpamDiscoveredResourceCidrs"]]

    def test_discovery_and_association(self):
        ipam = self.new_ipam(OperatingRegions=[{"RegionName": "us-west-2"}])
        disco = ipam["DefaultResourceDiscoveryId"]
        assoc = ipam["DefaultResourceDiscoveryAssociationId"]
        self.assertRegex(disco, DISCO_ID)
        self.assertRegex(assoc, ASSOC_ID)

        got = self.ec2.describe_ipam_resource_discoveries(IpamResourceDiscoveryIds=[disco])["IpamResourceDiscoveries"]
        self.assertEqual(got, [{
            "OwnerId": ACCOUNT, "IpamResourceDiscoveryId": disco,
            "IpamResourceDiscoveryArn": "arn:aws:ec2::%s:ipam-resource-discovery/%s" % (ACCOUNT, disco),
            "IpamResourceDiscoveryRegion": REGION,
            "OperatingRegions": [{"RegionName": "us-west-2"}, {"RegionName": REGION}],
            "IsDefault": True, "State": "create-complete", "Tags": [],
        }])
        f = self.ec2.describe_ipam_resource_discoveries(Filters=[
            {"Name": "ipam-resource-discovery-id", "Values": [disco]},
            {"Name": "operating-region.region-name", "Values": ["us-west-2"]}])["IpamResourceDiscoveries"]
        self.assertEqual([d["IpamResourceDiscoveryId"] for d in f], [disco])

        got = self.ec2.describe_ipam_resource_discovery_associations(
            IpamResourceDiscoveryAssociationIds=[assoc])["IpamResourceDiscoveryAssociations"]
        self.assertEqual(got, [{
            "OwnerId": ACCOUNT, "IpamResourceDiscoveryAssociationId": assoc,
            "IpamResourceDiscoveryAssociationArn": "arn:aws:ec2::%s:ipam-resource-discovery-association/%s" % (ACCOUNT, assoc),
            "IpamResourceDiscoveryId": disco, "IpamId": ipam["IpamId"],
            "IpamArn": "arn:aws:ec2::%s:ipam/%s" % (ACCOUNT, ipam["IpamId"]), "IpamRegion": REGION,
            "IsDefault": True, "ResourceDiscoveryStatus": "active", "State": "associate-complete", "Tags": [],
        }])
        by_ipam = self.ec2.describe_ipam_resource_discovery_associations(
            Filters=[{"Name": "ipam-id", "Values": [ipam["IpamId"]]}])["IpamResourceDiscoveryAssociations"]
        self.assertEqual([a["IpamResourceDiscoveryAssociationId"] for a in by_ipam], [assoc])

        # Paginators walk every discovery of the account (other tests' IPAMs too).
        pages = self.ec2.get_paginator("describe_ipam_resource_discoveries").paginate(PaginationConfig={"PageSize": 5})
        ids = [d["IpamResourceDiscoveryId"] for p in pages for d in p["IpamResourceDiscoveries"]]
        self.assertIn(disco, ids)
        self.assertEqual(ids, sorted(set(ids)))

        self.ec2.modify_ipam(IpamId=ipam["IpamId"], AddOperatingRegions=[{"RegionName": "eu-west-1"}])
        d = self.ec2.describe_ipam_resource_discoveries(IpamResourceDiscoveryIds=[disco])["IpamResourceDiscoveries"][0]
        self.assertEqual([r["RegionName"] for r in d["OperatingRegions"]], ["us-west-2", REGION, "eu-west-1"])

        self.assertClientError(self.ec2.describe_ipam_resource_discoveries, "InvalidIpamResourceDiscoveryId.NotFound",
                               IpamResourceDiscoveryIds=["ipam-res-disco-0123456789abcdef0"])
        self.assertClientError(self.ec2.describe_ipam_resource_discovery_associations,
                               "InvalidIpamResourceDiscoveryAssociationId.NotFound",
                               IpamResourceDiscoveryAssociationIds=["ipam-res-disco-assoc-0123456789abcdef0"])
        self.assertClientError(self.ec2.describe_ipam_resource_discoveries, "DryRunOperation", status=412, DryRun=True)
        self.assertClientError(self.ec2.describe_ipam_resource_discovery_associations, "DryRunOperation",
                               status=412, DryRun=True)
        for fn, kwargs in ((self.ec2.create_ipam_resource_discovery, {}),
                           (self.ec2.modify_ipam_resource_discovery, {"IpamResourceDiscoveryId": disco}),
                           (self.ec2.delete_ipam_resource_discovery, {"IpamResourceDiscoveryId": disco}),
                           (self.ec2.associate_ipam_resource_discovery,
                            {"IpamId": ipam["IpamId"], "IpamResourceDiscoveryId": disco}),
                           (self.ec2.disassociate_ipam_resource_discovery,
                            {"IpamResourceDiscoveryAssociationId": assoc})):
            self.assertClientError(fn, "UnsupportedOperation", **kwargs)

    def test_discovered_cidrs_and_accounts(self):
        ipam = self.new_ipam()
        disco = ipam["DefaultResourceDiscoveryId"]
        vpc = self.new_vpc(CidrBlock="10.40.0.0/16",
                           TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "team", "Value": "net"}]}])
        vid = vpc["VpcId"]
        self.ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.41.0.0/24")
        subnets = [self.ec2.create_subnet(VpcId=vid, CidrBlock=c)["Subnet"]["SubnetId"]
                   for c in ("10.40.0.0/18", "10.40.64.0/18", "10.41.0.0/25")]
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)

        items = self.discovered(disco, Filters=[{"Name": "vpc-id", "Values": [vid]}], PaginationConfig={"PageSize": 5})
        got = [(r["ResourceType"], r["ResourceId"], r["ResourceCidr"], r["IpUsage"]) for r in items]
        want = [("vpc", vid, "10.40.0.0/16", 0.5), ("vpc", vid, "10.41.0.0/24", 0.5)]
        want += sorted((("subnet", s, c, 0.0) for s, c in zip(subnets, ("10.40.0.0/18", "10.40.64.0/18", "10.41.0.0/25"))),
                       key=lambda x: x[1])
        self.assertEqual(got, want)
        v = items[0]
        self.assertEqual({k: v[k] for k in ("IpamResourceDiscoveryId", "ResourceRegion", "ResourceOwnerId", "IpSource",
                                             "ResourceTags", "VpcId")},
                         {"IpamResourceDiscoveryId": disco, "ResourceRegion": REGION, "ResourceOwnerId": ACCOUNT,
                          "IpSource": "none", "ResourceTags": [{"Key": "team", "Value": "net"}], "VpcId": vid})
        self.assertNotIn("SubnetId", v)
        self.assertGreaterEqual(v["SampleTime"], before)
        s = items[2]
        self.assertEqual((s["SubnetId"], s["VpcId"], s["AvailabilityZoneId"], s["ResourceTags"]),
                         (s["ResourceId"], vid, "use1-az1", []))

        only = self.discovered(disco, Filters=[{"Name": "resource-id", "Values": [subnets[1]]}])
        self.assertEqual([r["ResourceCidr"] for r in only], ["10.40.64.0/18"])
        vpcs = self.discovered(disco, Filters=[{"Name": "resource-type", "Values": ["vpc"]},
                                               {"Name": "tag:team", "Values": ["net"]}])
        self.assertEqual([r["ResourceCidr"] for r in vpcs], ["10.40.0.0/16", "10.41.0.0/24"])
        self.assertEqual(self.ec2.get_ipam_discovered_resource_cidrs(
            IpamResourceDiscoveryId=disco, ResourceRegion="eu-west-1")["IpamDiscoveredResourceCidrs"], [])

        accounts = self.ec2.get_ipam_discovered_accounts(IpamResourceDiscoveryId=disco, DiscoveryRegion=REGION)
        self.assertEqual(len(accounts["IpamDiscoveredAccounts"]), 1)
        a = accounts["IpamDiscoveredAccounts"][0]
        self.assertEqual((a["AccountId"], a["DiscoveryRegion"]), (ACCOUNT, REGION))
        self.assertNotIn("FailureReason", a)
        self.assertEqual(a["LastAttemptedDiscoveryTime"], a["LastSuccessfulDiscoveryTime"])
        self.assertGreaterEqual(a["LastAttemptedDiscoveryTime"], before)

        for fn, kwargs in ((self.ec2.get_ipam_discovered_resource_cidrs, {"ResourceRegion": REGION}),
                           (self.ec2.get_ipam_discovered_accounts, {"DiscoveryRegion": REGION})):
            self.assertClientError(fn, "InvalidIpamResourceDiscoveryId.NotFound",
                                   IpamResourceDiscoveryId="ipam-res-disco-0123456789abcdef0", **kwargs)
            self.assertClientError(fn, "DryRunOperation", status=412, IpamResourceDiscoveryId=disco, DryRun=True, **kwargs)
        err = self.assertClientError(self.raw.get_ipam_discovered_resource_cidrs, "MissingParameter",
                                     IpamResourceDiscoveryId=disco)
        self.assertIn("ResourceRegion", err["Error"]["Message"])
        err = self.assertClientError(self.raw.get_ipam_discovered_accounts, "MissingParameter", DiscoveryRegion=REGION)
        self.assertIn("IpamResourceDiscoveryId", err["Error"]["Message"])
        self.assertClientError(self.ec2.get_ipam_discovered_resource_cidrs, "InvalidParameterValue",
                               IpamResourceDiscoveryId=disco, ResourceRegion=REGION,
                               Filters=[{"Name": "overlap-status", "Values": ["overlapping"]}])
