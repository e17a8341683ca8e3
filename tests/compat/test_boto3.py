"""Every implemented IPAM operation through boto3, with exact response shapes,
error codes and HTTP statuses, and boto3's paginators."""

import time
import unittest

from botocore.exceptions import ClientError

from compat_base import (ACCOUNT, ALLOC_ID, IPAM_ID, POOL_CIDR_ID, POOL_ID, REGION, SCOPE_ID,
                         UUID_RE, Base, client, net, token)


class TestClientModel(Base):
    def test_no_ipam_waiters(self):
        names = self.ec2.waiter_names
        self.assertTrue(names, "botocore ships EC2 waiters")
        self.assertEqual([n for n in names if "ipam" in n.lower()], [])

    def test_paginators_exist(self):
        for op in ("describe_ipams", "describe_ipam_scopes", "describe_ipam_pools",
                   "get_ipam_pool_cidrs", "get_ipam_pool_allocations",
                   "describe_ipam_pool_allocations"):
            self.assertTrue(self.ec2.can_paginate(op), op)


class TestIpams(Base):
    def test_create_shape(self):
        resp = self.ec2.create_ipam(Description="lab")
        ipam = dict(resp["Ipam"])
        self.addCleanup(self._delete_ipam, ipam["IpamId"])
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertRegex(resp["ResponseMetadata"]["RequestId"], UUID_RE)
        self.assertRegex(ipam["IpamId"], IPAM_ID)
        self.assertRegex(ipam["PublicDefaultScopeId"], SCOPE_ID)
        self.assertRegex(ipam["PrivateDefaultScopeId"], SCOPE_ID)
        self.assertNotEqual(ipam["PublicDefaultScopeId"], ipam["PrivateDefaultScopeId"])
        for k in ("PublicDefaultScopeId", "PrivateDefaultScopeId", "IpamId",
                  "DefaultResourceDiscoveryId", "DefaultResourceDiscoveryAssociationId"):
            ipam.pop(k)
        self.assertEqual(ipam, {
            "OwnerId": ACCOUNT,
            "IpamArn": "arn:aws:ec2::%s:ipam/%s" % (ACCOUNT, resp["Ipam"]["IpamId"]),
            "IpamRegion": REGION,
            "ScopeCount": 2,
            "Description": "lab",
            "OperatingRegions": [{"RegionName": REGION}],
            "State": "create-in-progress",
            "Tags": [],
            "ResourceDiscoveryAssociationCount": 1,
            "Tier": "advanced",
            "EnablePrivateGua": False,
            "MeteredAccount": "ipam-owner",
        })

    def test_operating_regions_home_appended(self):
        ipam = self.new_ipam(OperatingRegions=[{"RegionName": "us-east-2"}, {"RegionName": "us-west-1"}])
        self.assertEqual([r["RegionName"] for r in ipam["OperatingRegions"]],
                         ["us-east-2", "us-west-1", "us-east-1"])

    def test_describe_modify_delete(self):
        ipam = self.new_ipam(TagSpecifications=[{"ResourceType": "ipam", "Tags": [{"Key": "team", "Value": "net"}]}],
                             Tier="free")
        got = self.ec2.describe_ipams(IpamIds=[ipam["IpamId"]])["Ipams"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["State"], "create-complete")
        self.assertEqual(got[0]["Tags"], [{"Key": "team", "Value": "net"}])
        self.assertEqual(got[0]["Tier"], "free")
        self.assertNotIn("Description", got[0])

        by_tag = self.ec2.describe_ipams(Filters=[{"Name": "tag:team", "Values": ["n?t"]},
                                                  {"Name": "ipam-id", "Values": [ipam["IpamId"]]}])["Ipams"]
        self.assertEqual([i["IpamId"] for i in by_tag], [ipam["IpamId"]])

        mod = self.ec2.modify_ipam(IpamId=ipam["IpamId"], Description="renamed",
                                   AddOperatingRegions=[{"RegionName": "eu-west-1"}])["Ipam"]
        self.assertEqual(mod["State"], "modify-in-progress")
        self.assertEqual(mod["Description"], "renamed")
        got = self.ec2.describe_ipams(IpamIds=[ipam["IpamId"]])["Ipams"][0]
        self.assertEqual(got["State"], "modify-complete")
        self.assertEqual(sorted(r["RegionName"] for r in got["OperatingRegions"]), ["eu-west-1", "us-east-1"])

        mod = self.ec2.modify_ipam(IpamId=ipam["IpamId"], RemoveOperatingRegions=[{"RegionName": "eu-west-1"}])["Ipam"]
        self.assertEqual(mod["OperatingRegions"], [{"RegionName": "us-east-1"}])

        deleted = self.ec2.delete_ipam(IpamId=ipam["IpamId"])["Ipam"]
        self.assertEqual(deleted["State"], "delete-in-progress")
        self.assertClientError(self.ec2.describe_ipams, "InvalidIpamId.NotFound",
                               message=ipam["IpamId"], IpamIds=[ipam["IpamId"]])

    def test_not_found(self):
        gone = "ipam-0123456789abcdef0"
        self.assertClientError(self.ec2.describe_ipams, "InvalidIpamId.NotFound", IpamIds=[gone])
        self.assertClientError(self.ec2.modify_ipam, "InvalidIpamId.NotFound", IpamId=gone, Description="x")
        self.assertClientError(self.ec2.delete_ipam, "InvalidIpamId.NotFound", IpamId=gone)
        self.assertClientError(self.ec2.create_ipam_scope, "InvalidIpamId.NotFound", IpamId=gone)

    def test_dry_run(self):
        before = len(self.ec2.describe_ipams(MaxResults=1000)["Ipams"])
        err = self.assertClientError(self.ec2.create_ipam, "DryRunOperation", status=412, DryRun=True)
        self.assertEqual(err["Error"]["Message"], "Request would have succeeded, but DryRun flag is set.")
        self.assertEqual(len(self.ec2.describe_ipams(MaxResults=1000)["Ipams"]), before)
        ipam = self.new_ipam()
        self.assertClientError(self.ec2.describe_ipams, "DryRunOperation", status=412, DryRun=True)
        self.assertClientError(self.ec2.delete_ipam, "DryRunOperation", status=412, DryRun=True,
                               IpamId=ipam["IpamId"])
        self.assertEqual(len(self.ec2.describe_ipams(IpamIds=[ipam["IpamId"]])["Ipams"]), 1)

    def test_client_token(self):
        tok = token()
        a = self.ec2.create_ipam(ClientToken=tok, Description="idem")["Ipam"]
        self.addCleanup(self._delete_ipam, a["IpamId"])
        b = self.ec2.create_ipam(ClientToken=tok, Description="idem")["Ipam"]
        self.assertEqual(a["IpamId"], b["IpamId"])
        self.assertClientError(self.ec2.create_ipam, "IdempotentParameterMismatch",
                               ClientToken=tok, Description="different")

    def test_bad_enum(self):
        self.assertClientError(self.raw.create_ipam, "InvalidParameterValue", Tier="platinum")

    def test_paginator(self):
        mine = {self.new_ipam()["IpamId"] for _ in range(7)}
        pages = list(self.ec2.get_paginator("describe_ipams").paginate(PaginationConfig={"PageSize": 5}))
        ids = [i["IpamId"] for p in pages for i in p["Ipams"]]
        self.assertGreaterEqual(len(pages), 2)
        self.assertTrue(all(len(p["Ipams"]) <= 5 for p in pages))
        self.assertEqual(len(ids), len(set(ids)), "no item twice")
        self.assertTrue(mine <= set(ids))
        self.assertNotIn("NextToken", pages[-1])
        full = self.ec2.describe_ipams(MaxResults=1000)
        self.assertEqual(set(ids), {i["IpamId"] for i in full["Ipams"]})
        self.assertNotIn("NextToken", full)


class TestScopes(Base):
    def test_lifecycle(self):
        ipam = self.new_ipam()
        resp = self.ec2.create_ipam_scope(IpamId=ipam["IpamId"], Description="extra",
                                          TagSpecifications=[{"ResourceType": "ipam-scope",
                                                              "Tags": [{"Key": "k", "Value": "v"}]}])
        sc = resp["IpamScope"]
        self.assertRegex(sc["IpamScopeId"], SCOPE_ID)
        self.assertEqual(sc, {
            "OwnerId": ACCOUNT, "IpamScopeId": sc["IpamScopeId"],
            "IpamScopeArn": "arn:aws:ec2::%s:ipam-scope/%s" % (ACCOUNT, sc["IpamScopeId"]),
            "IpamArn": ipam["IpamArn"], "IpamRegion": REGION, "IpamScopeType": "private",
            "IsDefault": False, "Description": "extra", "PoolCount": 0, "State": "create-in-progress",
            "Tags": [{"Key": "k", "Value": "v"}],
        })
        self.assertEqual(self.ec2.describe_ipams(IpamIds=[ipam["IpamId"]])["Ipams"][0]["ScopeCount"], 3)

        scopes = self.ec2.describe_ipam_scopes(Filters=[{"Name": "ipam-id", "Values": [ipam["IpamId"]]}])["IpamScopes"]
        self.assertEqual(len(scopes), 3)
        defaults = {s["IpamScopeType"]: s for s in scopes if s["IsDefault"]}
        self.assertEqual(defaults["public"]["IpamScopeId"], ipam["PublicDefaultScopeId"])
        self.assertEqual(defaults["private"]["IpamScopeId"], ipam["PrivateDefaultScopeId"])
        self.assertNotIn("Description", defaults["public"])
        self.assertEqual(defaults["public"]["Tags"], [])

        mod = self.ec2.modify_ipam_scope(IpamScopeId=sc["IpamScopeId"], Description="changed")["IpamScope"]
        self.assertEqual((mod["State"], mod["Description"]), ("modify-in-progress", "changed"))
        got = self.ec2.describe_ipam_scopes(IpamScopeIds=[sc["IpamScopeId"]])["IpamScopes"][0]
        self.assertEqual(got["State"], "modify-complete")

        pool = self.new_pool(sc["IpamScopeId"])
        self.assertEqual(self.ec2.describe_ipam_scopes(IpamScopeIds=[sc["IpamScopeId"]])["IpamScopes"][0]["PoolCount"], 1)
        self.assertClientError(self.ec2.delete_ipam_scope, "DependencyViolation", IpamScopeId=sc["IpamScopeId"])
        self.ec2.delete_ipam_pool(IpamPoolId=pool["IpamPoolId"])
        self.assertEqual(self.ec2.delete_ipam_scope(IpamScopeId=sc["IpamScopeId"])["IpamScope"]["State"],
                         "delete-in-progress")
        self.assertClientError(self.ec2.describe_ipam_scopes, "InvalidIpamScopeId.NotFound",
                               IpamScopeIds=[sc["IpamScopeId"]])
        self.assertEqual(self.ec2.describe_ipams(IpamIds=[ipam["IpamId"]])["Ipams"][0]["ScopeCount"], 2)

    def test_default_scope_cannot_be_deleted(self):
        ipam = self.new_ipam()
        err = self.assertClientError(self.ec2.delete_ipam_scope, "InvalidParameterValue",
                                     IpamScopeId=ipam["PrivateDefaultScopeId"])
        self.assertIn(ipam["PrivateDefaultScopeId"], err["Error"]["Message"])

    def test_scope_quota(self):
        ipam = self.new_ipam()
        for _ in range(3):
            self.ec2.create_ipam_scope(IpamId=ipam["IpamId"])
        self.assertClientError(self.ec2.create_ipam_scope, "ResourceLimitExceeded", IpamId=ipam["IpamId"])

    def test_paginator(self):
        ipam = self.new_ipam()
        for _ in range(3):
            self.ec2.create_ipam_scope(IpamId=ipam["IpamId"])
        pages = list(self.ec2.get_paginator("describe_ipam_scopes").paginate(PaginationConfig={"PageSize": 5}))
        ids = [s["IpamScopeId"] for p in pages for s in p["IpamScopes"]]
        self.assertGreaterEqual(len(ids), 5)
        self.assertEqual(len(ids), len(set(ids)))
        full = self.ec2.describe_ipam_scopes(MaxResults=1000)["IpamScopes"]
        self.assertEqual(set(ids), {s["IpamScopeId"] for s in full})
        self.assertGreaterEqual(len(pages), -(-len(full) // 5))
        self.assertNotIn("NextToken", pages[-1])

    def test_not_found(self):
        gone = "ipam-scope-0123456789abcdef0"
        for fn, kw in ((self.ec2.describe_ipam_scopes, {"IpamScopeIds": [gone]}),
                       (self.ec2.modify_ipam_scope, {"IpamScopeId": gone, "Description": "x"}),
                       (self.ec2.delete_ipam_scope, {"IpamScopeId": gone}),
                       (self.ec2.create_ipam_pool, {"IpamScopeId": gone, "AddressFamily": "ipv4"})):
            self.assertClientError(fn, "InvalidIpamScopeId.NotFound", **kw)


class TestPools(Base):
    def test_create_shape_top_level(self):
        ipam = self.new_ipam()
        pool = self.ec2.create_ipam_pool(IpamScopeId=ipam["PrivateDefaultScopeId"], AddressFamily="ipv4")["IpamPool"]
        self.assertRegex(pool["IpamPoolId"], POOL_ID)
        self.assertEqual(pool["Locale"], "None")
        self.assertEqual(pool["PoolDepth"], 1)
        self.assertEqual(pool["Tags"], [])
        self.assertEqual(pool["AllocationResourceTags"], [])
        self.assertEqual(pool["State"], "create-in-progress")
        self.assertEqual(pool["IpamScopeType"], "private")
        self.assertFalse(pool["AutoImport"])
        self.assertNotIn("SourceIpamPoolId", pool)
        self.assertNotIn("PubliclyAdvertisable", pool)
        self.assertNotIn("AllocationDefaultNetmaskLength", pool)
        self.assertEqual(pool["IpamPoolArn"], "arn:aws:ec2::%s:ipam-pool/%s" % (ACCOUNT, pool["IpamPoolId"]))
        self.assertEqual(pool["IpamArn"], ipam["IpamArn"])
        got = self.ec2.describe_ipam_pools(IpamPoolIds=[pool["IpamPoolId"]])["IpamPools"][0]
        self.assertEqual(got["State"], "create-complete")

    def test_child_pool_and_rules(self):
        ipam = self.new_ipam()
        scope = ipam["PrivateDefaultScopeId"]
        parent = self.new_pool(scope, "10.0.0.0/8")
        child = self.ec2.create_ipam_pool(
            IpamScopeId=scope, AddressFamily="ipv4", Locale="us-east-1", SourceIpamPoolId=parent["IpamPoolId"],
            Description="regional pool", AutoImport=False, AllocationMinNetmaskLength=16,
            AllocationMaxNetmaskLength=28, AllocationDefaultNetmaskLength=24,
            AllocationResourceTags=[{"Key": "env", "Value": "prod"}],
            TagSpecifications=[{"ResourceType": "ipam-pool", "Tags": [{"Key": "Name", "Value": "regional"}]}],
            ClientToken=token())["IpamPool"]
        self.assertEqual(child["SourceIpamPoolId"], parent["IpamPoolId"])
        self.assertEqual(child["PoolDepth"], 2)
        self.assertEqual(child["Locale"], "us-east-1")
        self.assertEqual((child["AllocationMinNetmaskLength"], child["AllocationMaxNetmaskLength"],
                          child["AllocationDefaultNetmaskLength"]), (16, 28, 24))
        self.assertEqual(child["AllocationResourceTags"], [{"Key": "env", "Value": "prod"}])
        self.assertEqual(child["Tags"], [{"Key": "Name", "Value": "regional"}])

        mod = self.ec2.modify_ipam_pool(IpamPoolId=child["IpamPoolId"], Description="changed",
                                        AllocationMinNetmaskLength=20, ClearAllocationDefaultNetmaskLength=True,
                                        AddAllocationResourceTags=[{"Key": "team", "Value": "a"}],
                                        RemoveAllocationResourceTags=[{"Key": "env", "Value": "prod"}])["IpamPool"]
        self.assertEqual(mod["State"], "modify-complete")
        self.assertEqual(mod["AllocationMinNetmaskLength"], 20)
        self.assertNotIn("AllocationDefaultNetmaskLength", mod)
        self.assertEqual(mod["AllocationResourceTags"], [{"Key": "team", "Value": "a"}])
        self.assertEqual(self.ec2.describe_ipam_pools(IpamPoolIds=[child["IpamPoolId"]])["IpamPools"][0]["State"],
                         "modify-complete")

        err = self.assertClientError(self.ec2.modify_ipam_pool, "InvalidParameterCombination",
                                     IpamPoolId=child["IpamPoolId"])
        self.assertIn("must contain a modification", err["Error"]["Message"])

        filtered = self.ec2.describe_ipam_pools(Filters=[
            {"Name": "ipam-scope-id", "Values": [scope]},
            {"Name": "source-ipam-pool-id", "Values": [parent["IpamPoolId"]]}])["IpamPools"]
        self.assertEqual([p["IpamPoolId"] for p in filtered], [child["IpamPoolId"]])

    def test_invalid_inputs(self):
        ipam = self.new_ipam()
        scope = ipam["PrivateDefaultScopeId"]
        self.assertClientError(self.raw.create_ipam_pool, "InvalidParameterValue",
                               IpamScopeId=scope, AddressFamily="ipv5")
        self.assertClientError(self.ec2.create_ipam_pool, "InvalidParameterValue", IpamScopeId=scope,
                               AddressFamily="ipv4", AllocationMinNetmaskLength=24, AllocationMaxNetmaskLength=16)
        self.assertClientError(self.ec2.create_ipam_pool, "InvalidParameterValue", IpamScopeId=scope,
                               AddressFamily="ipv4", Locale="eu-west-3")
        self.assertClientError(self.ec2.create_ipam_pool, "InvalidIpamPoolId.NotFound", IpamScopeId=scope,
                               AddressFamily="ipv4", SourceIpamPoolId="ipam-pool-0123456789abcdef0")
        self.assertClientError(self.raw.create_ipam_pool, "MissingParameter", IpamScopeId=scope)
        self.assertClientError(self.ec2.create_ipam_pool, "UnsupportedOperation",
                               IpamScopeId=ipam["PublicDefaultScopeId"], AddressFamily="ipv4",
                               PublicIpSource="amazon", AwsService="ec2")

    def test_delete(self):
        ipam, pool = self.ipam_and_pool()
        err = self.assertClientError(self.ec2.delete_ipam_pool, "DependencyViolation", IpamPoolId=pool["IpamPoolId"])
        self.assertIn(pool["IpamPoolId"], err["Error"]["Message"])
        gone = self.ec2.delete_ipam_pool(IpamPoolId=pool["IpamPoolId"], Cascade=True)["IpamPool"]
        self.assertEqual(gone["State"], "delete-in-progress")
        self.assertClientError(self.ec2.describe_ipam_pools, "InvalidIpamPoolId.NotFound",
                               IpamPoolIds=[pool["IpamPoolId"]])
        # An id that cannot be a pool id is malformed, not merely unknown.
        self.assertClientError(self.ec2.describe_ipam_pools, "InvalidIpamPoolId.Malformed",
                               message="malformed", IpamPoolIds=["vpc-0123456789abcdef0"])

    def test_paginator(self):
        ipam = self.new_ipam()
        mine = {self.new_pool(ipam["PrivateDefaultScopeId"])["IpamPoolId"] for _ in range(12)}
        pages = list(self.ec2.get_paginator("describe_ipam_pools").paginate(
            Filters=[{"Name": "ipam-id", "Values": [ipam["IpamId"]]}], PaginationConfig={"PageSize": 5}))
        self.assertEqual([len(p["IpamPools"]) for p in pages], [5, 5, 2])
        ids = [p["IpamPoolId"] for page in pages for p in page["IpamPools"]]
        self.assertEqual(set(ids), mine)
        self.assertEqual(len(ids), 12)
        # MaxItems stops early and hands back a resumable token
        first = self.ec2.get_paginator("describe_ipam_pools").paginate(
            Filters=[{"Name": "ipam-id", "Values": [ipam["IpamId"]]}],
            PaginationConfig={"PageSize": 5, "MaxItems": 7}).build_full_result()
        self.assertEqual(len(first["IpamPools"]), 7)
        self.assertIn("NextToken", first)


class TestPoolCidrs(Base):
    def test_provision_get_deprovision(self):
        ipam = self.new_ipam()
        pool = self.new_pool(ipam["PrivateDefaultScopeId"])
        pc = self.ec2.provision_ipam_pool_cidr(IpamPoolId=pool["IpamPoolId"], Cidr="10.0.0.0/16",
                                               ClientToken=token())["IpamPoolCidr"]
        self.assertRegex(pc.pop("IpamPoolCidrId"), POOL_CIDR_ID)
        self.assertEqual(pc, {"Cidr": "10.0.0.0/16", "State": "pending-provision", "NetmaskLength": 16})
        got = self.ec2.get_ipam_pool_cidrs(IpamPoolId=pool["IpamPoolId"])["IpamPoolCidrs"]
        self.assertEqual([(c["Cidr"], c["State"]) for c in got], [("10.0.0.0/16", "provisioned")])

        self.assertClientError(self.ec2.provision_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=pool["IpamPoolId"], Cidr="10.0.0.1/16")
        self.assertClientError(self.ec2.provision_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=pool["IpamPoolId"], Cidr="2001:db8::/48")
        self.assertClientError(self.ec2.provision_ipam_pool_cidr, "UnsupportedOperation",
                               IpamPoolId=pool["IpamPoolId"], Cidr="10.9.0.0/16",
                               CidrAuthorizationContext={"Message": "m", "Signature": "s"})

        self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pool["IpamPoolId"], Cidr="10.0.1.0/24")
        self.assertClientError(self.ec2.deprovision_ipam_pool_cidr, "IncorrectState",
                               IpamPoolId=pool["IpamPoolId"], Cidr="10.0.0.0/16")

        self.ec2.provision_ipam_pool_cidr(IpamPoolId=pool["IpamPoolId"], Cidr="10.1.0.0/16")
        dp = self.ec2.deprovision_ipam_pool_cidr(IpamPoolId=pool["IpamPoolId"], Cidr="10.1.0.0/16")["IpamPoolCidr"]
        self.assertEqual((dp["Cidr"], dp["State"]), ("10.1.0.0/16", "pending-deprovision"))
        prov = self.ec2.get_ipam_pool_cidrs(IpamPoolId=pool["IpamPoolId"],
                                            Filters=[{"Name": "state", "Values": ["provisioned"]}])["IpamPoolCidrs"]
        self.assertEqual([c["Cidr"] for c in prov], ["10.0.0.0/16"])
        self.assertClientError(self.ec2.deprovision_ipam_pool_cidr, "IncorrectState",
                               IpamPoolId=pool["IpamPoolId"], Cidr="10.1.0.0/16")

    def test_nested_provision_by_netmask(self):
        ipam = self.new_ipam()
        scope = ipam["PrivateDefaultScopeId"]
        parent = self.new_pool(scope, "10.0.0.0/16")
        child = self.new_pool(scope, SourceIpamPoolId=parent["IpamPoolId"])
        pc = self.ec2.provision_ipam_pool_cidr(IpamPoolId=child["IpamPoolId"], NetmaskLength=20)["IpamPoolCidr"]
        self.assertEqual(pc["State"], "pending-provision")
        self.assertEqual(pc["NetmaskLength"], 20)
        got = self.ec2.get_ipam_pool_cidrs(IpamPoolId=child["IpamPoolId"])["IpamPoolCidrs"]
        self.assertEqual([(c["Cidr"], c["State"]) for c in got], [("10.0.0.0/20", "provisioned")])
        allocs = self.ec2.get_ipam_pool_allocations(IpamPoolId=parent["IpamPoolId"])["IpamPoolAllocations"]
        self.assertEqual(len(allocs), 1)
        a = allocs[0]
        self.assertRegex(a.pop("IpamPoolAllocationId"), ALLOC_ID)
        self.assertEqual(a, {"Cidr": "10.0.0.0/20", "ResourceId": child["IpamPoolId"],
                             "ResourceType": "ipam-pool", "ResourceOwner": ACCOUNT, "Tags": []})
        # outside the parent: refused
        self.assertClientError(self.ec2.provision_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=child["IpamPoolId"], Cidr="192.168.0.0/24")

    def test_paginator(self):
        ipam = self.new_ipam()
        pool = self.new_pool(ipam["PrivateDefaultScopeId"])
        cidrs = ["10.%d.0.0/16" % i for i in range(12)]
        for c in cidrs:
            self.ec2.provision_ipam_pool_cidr(IpamPoolId=pool["IpamPoolId"], Cidr=c)
        pages = list(self.ec2.get_paginator("get_ipam_pool_cidrs").paginate(
            IpamPoolId=pool["IpamPoolId"], PaginationConfig={"PageSize": 5}))
        self.assertEqual([len(p["IpamPoolCidrs"]) for p in pages], [5, 5, 2])
        self.assertEqual(sorted(c["Cidr"] for p in pages for c in p["IpamPoolCidrs"]), sorted(cidrs))

    def test_not_found(self):
        gone = "ipam-pool-0123456789abcdef0"
        self.assertClientError(self.ec2.get_ipam_pool_cidrs, "InvalidIpamPoolId.NotFound",
                               message="The ipam-pool ID '%s' does not exist" % gone, IpamPoolId=gone)
        self.assertClientError(self.ec2.provision_ipam_pool_cidr, "InvalidIpamPoolId.NotFound",
                               IpamPoolId=gone, Cidr="10.0.0.0/16")
        self.assertClientError(self.ec2.deprovision_ipam_pool_cidr, "InvalidIpamPoolId.NotFound",
                               IpamPoolId=gone, Cidr="10.0.0.0/16")


class TestAllocations(Base):
    def test_allocate_shapes_and_rules(self):
        ipam, pool = self.ipam_and_pool("10.0.0.0/16")
        pid = pool["IpamPoolId"]
        resp = self.ec2.allocate_ipam_pool_cidr(
            IpamPoolId=pid, NetmaskLength=24, Description="app-a",
            TagSpecifications=[{"ResourceType": "ipam-pool-allocation", "Tags": [{"Key": "team", "Value": "net"}]}])
        a = resp["IpamPoolAllocation"]
        self.assertRegex(a.pop("IpamPoolAllocationId"), ALLOC_ID)
        self.assertEqual(a, {"Cidr": "10.0.0.0/24", "Description": "app-a", "ResourceType": "custom",
                             "ResourceOwner": ACCOUNT, "Tags": [{"Key": "team", "Value": "net"}]})

        # first fit, skipping disallowed ranges, inside allowed ones
        b = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24,
                                             DisallowedCidrs=["10.0.1.0/24"])["IpamPoolAllocation"]
        self.assertEqual(b["Cidr"], "10.0.2.0/24")
        c = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=26,
                                             AllowedCidrs=["10.0.128.0/17"])["IpamPoolAllocation"]
        self.assertEqual(c["Cidr"], "10.0.128.0/26")

        # preview: a CIDR and nothing else, nothing taken
        prev = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24, PreviewNextCidr=True)
        self.assertEqual(prev["IpamPoolAllocation"], {"Cidr": "10.0.1.0/24"})
        again = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24, PreviewNextCidr=True)
        self.assertEqual(again["IpamPoolAllocation"], {"Cidr": "10.0.1.0/24"})

        # explicit CIDR; overlapping and non-canonical ones refused
        d = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, Cidr="10.0.3.0/24")["IpamPoolAllocation"]
        self.assertEqual(d["Cidr"], "10.0.3.0/24")
        self.assertNotIn("Description", d)
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=pid, Cidr="10.0.3.128/25")
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=pid, Cidr="10.0.4.1/24")
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "InvalidParameterValue",
                               message="too big", IpamPoolId=pid, NetmaskLength=8)
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "InvalidParameterCombination",
                               IpamPoolId=pid)
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "InvalidParameterCombination",
                               IpamPoolId=pid, Cidr="10.0.9.0/24", NetmaskLength=24)
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "DryRunOperation", status=412,
                               IpamPoolId=pid, NetmaskLength=24, DryRun=True)
        allocs = self.ec2.get_ipam_pool_allocations(IpamPoolId=pid)["IpamPoolAllocations"]
        self.assertEqual(sorted(x["Cidr"] for x in allocs),
                         ["10.0.0.0/24", "10.0.128.0/26", "10.0.2.0/24", "10.0.3.0/24"])

    def test_default_netmask_and_client_token(self):
        ipam, pool = self.ipam_and_pool("10.0.0.0/16", AllocationDefaultNetmaskLength=26,
                                        AllocationMinNetmaskLength=20, AllocationMaxNetmaskLength=28)
        pid = pool["IpamPoolId"]
        a = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid)["IpamPoolAllocation"]
        self.assertEqual(a["Cidr"], "10.0.0.0/26")
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "InvalidParameterValue",
                               IpamPoolId=pid, NetmaskLength=30)
        tok = token()
        b = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24, ClientToken=tok)["IpamPoolAllocation"]
        c = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24, ClientToken=tok)["IpamPoolAllocation"]
        self.assertEqual(b, c)
        self.assertClientError(self.ec2.allocate_ipam_pool_cidr, "IdempotentParameterMismatch",
                               IpamPoolId=pid, NetmaskLength=25, ClientToken=tok)
        self.assertEqual(len(self.ec2.get_ipam_pool_allocations(IpamPoolId=pid)["IpamPoolAllocations"]), 2)

    def test_get_modify_describe_release(self):
        ipam, pool = self.ipam_and_pool("10.0.0.0/16")
        pid = pool["IpamPoolId"]
        a = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24, Description="x")["IpamPoolAllocation"]
        aid = a["IpamPoolAllocationId"]

        one = self.ec2.get_ipam_pool_allocations(IpamPoolId=pid, IpamPoolAllocationId=aid)["IpamPoolAllocations"]
        self.assertEqual(one, [a])
        self.assertClientError(self.ec2.get_ipam_pool_allocations, "InvalidIpamPoolAllocationId.NotFound",
                               message="does not exist", IpamPoolId=pid,
                               IpamPoolAllocationId="ipam-pool-alloc-0" + "1" * 32)
        filt = self.ec2.get_ipam_pool_allocations(IpamPoolId=pid, Filters=[
            {"Name": "resource-type", "Values": ["custom", "ipam-pool"]},
            {"Name": "cidr", "Values": ["10.*"]}])["IpamPoolAllocations"]
        self.assertEqual([x["IpamPoolAllocationId"] for x in filt], [aid])
        self.assertClientError(self.ec2.get_ipam_pool_allocations, "InvalidParameterValue",
                               IpamPoolId=pid, Filters=[{"Name": "no-such-filter", "Values": ["x"]}])

        mod = self.ec2.modify_ipam_pool_allocation(IpamPoolAllocationId=aid, Description="renamed")
        self.assertEqual(mod["IpamPoolAllocation"]["Description"], "renamed")
        desc = self.ec2.describe_ipam_pool_allocations(IpamPoolAllocationIds=[aid])["IpamPoolAllocations"]
        self.assertEqual([(x["IpamPoolAllocationId"], x["Description"]) for x in desc], [(aid, "renamed")])
        mod = self.ec2.modify_ipam_pool_allocation(IpamPoolAllocationId=aid)
        self.assertNotIn("Description", mod["IpamPoolAllocation"])

        err = self.assertClientError(self.ec2.release_ipam_pool_allocation, "InvalidParameterCombination",
                                     IpamPoolId=pid, IpamPoolAllocationId=aid, Cidr="10.0.1.0/24")
        self.assertIn("No allocation found", err["Error"]["Message"])
        rel = self.ec2.release_ipam_pool_allocation(IpamPoolId=pid, IpamPoolAllocationId=aid, Cidr=a["Cidr"])
        self.assertIs(rel["Success"], True)
        self.assertEqual(self.ec2.get_ipam_pool_allocations(IpamPoolId=pid)["IpamPoolAllocations"], [])
        self.assertClientError(self.ec2.describe_ipam_pool_allocations, "InvalidIpamPoolAllocationId.NotFound",
                               IpamPoolAllocationIds=[aid])
        self.assertClientError(self.ec2.modify_ipam_pool_allocation, "InvalidIpamPoolAllocationId.NotFound",
                               IpamPoolAllocationId=aid, Description="y")
        self.assertClientError(self.ec2.release_ipam_pool_allocation, "InvalidIpamPoolId.NotFound",
                               IpamPoolId="ipam-pool-0123456789abcdef0", IpamPoolAllocationId=aid, Cidr=a["Cidr"])
        # the space is free again at once
        again = self.ec2.allocate_ipam_pool_cidr(IpamPoolId=pid, NetmaskLength=24)["IpamPoolAllocation"]
        self.assertEqual(again["Cidr"], a["Cidr"])

    def test_cannot_release_child_pool_allocation(self):
        ipam = self.new_ipam()
        parent = self.new_pool(ipam["PrivateDefaultScopeId"], "10.0.0.0/16")
        child = self.new_pool(ipam["PrivateDefaultScopeId"], SourceIpamPoolId=parent["IpamPoolId"])
        self.ec2.provision_ipam_pool_cidr(IpamPoolId=child["IpamPoolId"], Cidr="10.0.16.0/20")
        alloc = self.ec2.get_ipam_pool_allocations(IpamPoolId=parent["IpamPoolId"])["IpamPoolAllocations"][0]
        self.assertEqual(alloc["ResourceType"], "ipam-pool")
        with self.assertRaises(ClientError) as cm:
            self.ec2.release_ipam_pool_allocation(IpamPoolId=parent["IpamPoolId"], Cidr=alloc["Cidr"],
                                                  IpamPoolAllocationId=alloc["IpamPoolAllocationId"])
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(len(self.ec2.get_ipam_pool_allocations(IpamPoolId=parent["IpamPoolId"])["IpamPoolAllocations"]), 1)

    def test_max_results_range_checked_by_server(self):
        ipam, pool = self.ipam_and_pool()
        # boto3 would refuse MaxResults=5 itself; without validation it reaches the server.
        self.assertClientError(self.raw.get_ipam_pool_allocations, "InvalidParameterValue",
                               IpamPoolId=pool["IpamPoolId"], MaxResults=5)
        self.assertClientError(self.raw.describe_ipam_pools, "InvalidParameterValue", MaxResults=1001)
        self.assertClientError(self.raw.describe_ipams, "InvalidParameterValue", MaxResults=4)
        self.assertClientError(self.ec2.describe_ipam_pools, "InvalidPaginationToken", NextToken="forged")

    def test_paginate_2500_allocations(self):
        ipam, pool = self.ipam_and_pool("10.0.0.0/16")
        pid = pool["IpamPoolId"]
        t0 = time.monotonic()
        made = self.allocate_many(pid, 2500, 28)
        elapsed = time.monotonic() - t0
        self.assertEqual(len(set(made)), 2500)
        nets = sorted(net(c) for c in made)
        for a, b in zip(nets, nets[1:]):
            self.assertFalse(a.overlaps(b), (a, b))
        print("\n    2500 allocations in %.1fs (%.2f ms each)" % (elapsed, elapsed / 2.5), end=" ")

        pages = list(self.ec2.get_paginator("get_ipam_pool_allocations").paginate(
            IpamPoolId=pid, PaginationConfig={"PageSize": 1000}))
        self.assertEqual([len(p["IpamPoolAllocations"]) for p in pages], [1000, 1000, 500])
        got = [a["Cidr"] for p in pages for a in p["IpamPoolAllocations"]]
        self.assertEqual(sorted(got), sorted(made))
        self.assertNotIn("NextToken", pages[-1])
        for p in pages[:-1]:
            self.assertTrue(p["NextToken"])

        # the same through DescribeIpamPoolAllocations, filtered to this pool
        pages = list(self.ec2.get_paginator("describe_ipam_pool_allocations").paginate(
            Filters=[{"Name": "ipam-pool-id", "Values": [pid]}], PaginationConfig={"PageSize": 1000}))
        self.assertEqual([len(p["IpamPoolAllocations"]) for p in pages], [1000, 1000, 500])
        self.assertEqual(sorted(a["Cidr"] for p in pages for a in p["IpamPoolAllocations"]), sorted(made))

        # and build_full_result with MaxItems
        part = self.ec2.get_paginator("get_ipam_pool_allocations").paginate(
            IpamPoolId=pid, PaginationConfig={"PageSize": 1000, "MaxItems": 1500}).build_full_result()
        self.assertEqual(len(part["IpamPoolAllocations"]), 1500)
        self.assertIn("NextToken", part)


class TestTags(Base):
    def test_create_describe_delete(self):
        ipam, pool = self.ipam_and_pool()
        pid, iid = pool["IpamPoolId"], ipam["IpamId"]
        resp = self.ec2.create_tags(Resources=[pid, iid], Tags=[{"Key": "env", "Value": "prod"},
                                                               {"Key": "owner", "Value": ""}])
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)
        got = self.ec2.describe_ipam_pools(IpamPoolIds=[pid])["IpamPools"][0]["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in got), [("env", "prod"), ("owner", "")])

        tags = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [pid]}])["Tags"]
        self.assertEqual(sorted((t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in tags),
                         [(pid, "ipam-pool", "env", "prod"), (pid, "ipam-pool", "owner", "")])
        tags = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]},
                                               {"Name": "key", "Values": ["env"]}])["Tags"]
        self.assertEqual([(t["ResourceType"], t["Value"]) for t in tags], [("ipam", "prod")])

        by_tag = self.ec2.describe_ipam_pools(Filters=[{"Name": "tag:env", "Values": ["prod"]},
                                                       {"Name": "ipam-id", "Values": [iid]}])["IpamPools"]
        self.assertEqual([p["IpamPoolId"] for p in by_tag], [pid])

        # a key with a different value stays; a key alone goes whatever its value
        self.ec2.delete_tags(Resources=[pid], Tags=[{"Key": "env", "Value": "dev"}])
        self.ec2.delete_tags(Resources=[pid], Tags=[{"Key": "owner"}])
        got = self.ec2.describe_ipam_pools(IpamPoolIds=[pid])["IpamPools"][0]["Tags"]
        self.assertEqual(got, [{"Key": "env", "Value": "prod"}])
        self.ec2.delete_tags(Resources=[pid])
        self.assertEqual(self.ec2.describe_ipam_pools(IpamPoolIds=[pid])["IpamPools"][0]["Tags"], [])

    def test_errors(self):
        ipam, pool = self.ipam_and_pool()
        self.assertClientError(self.ec2.create_tags, "InvalidParameterValue",
                               Resources=[pool["IpamPoolId"]], Tags=[{"Key": "aws:reserved", "Value": "x"}])
        self.assertClientError(self.ec2.create_tags, "InvalidIpamPoolId.NotFound",
                               Resources=["ipam-pool-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
        with self.assertRaises(ClientError) as cm:
            self.ec2.create_tags(Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertClientError(self.ec2.create_tags, "DryRunOperation", status=412, DryRun=True,
                               Resources=[pool["IpamPoolId"]], Tags=[{"Key": "a", "Value": "b"}])
        self.assertEqual(self.ec2.describe_ipam_pools(IpamPoolIds=[pool["IpamPoolId"]])["IpamPools"][0]["Tags"], [])


class TestProtocol(Base):
    def test_unsupported_operation(self):
        err = self.assertClientError(self.ec2.create_ipam_resource_discovery, "UnsupportedOperation")
        self.assertIn("CreateIpamResourceDiscovery", err["Error"]["Message"])
        self.assertClientError(self.ec2.get_ipam_discovered_public_addresses, "UnsupportedOperation",
                               IpamResourceDiscoveryId="ipam-res-disco-0123456789abcdef0", AddressRegion="us-east-1")

    def test_unknown_action(self):
        self.assertClientError(self.raw.run_instances, "InvalidAction", ImageId="ami-12345678", MinCount=1, MaxCount=1)

    def test_missing_parameter(self):
        err = self.assertClientError(self.raw.allocate_ipam_pool_cidr, "MissingParameter")
        self.assertIn("IpamPoolId", err["Error"]["Message"])

    def test_wrong_credentials(self):
        import boto3
        bad = boto3.client("ec2", endpoint_url=self.ec2.meta.endpoint_url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="wrong")
        with self.assertRaises(ClientError) as cm:
            bad.describe_ipams()
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        unknown = boto3.client("ec2", endpoint_url=self.ec2.meta.endpoint_url, region_name="us-east-1",
                               aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key="x")
        with self.assertRaises(ClientError) as cm:
            unknown.describe_ipams()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AuthFailure")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 401)

    def test_other_region_signing_accepted(self):
        import boto3
        c = boto3.client("ec2", endpoint_url=self.ec2.meta.endpoint_url, region_name="eu-central-1",
                         aws_access_key_id="test", aws_secret_access_key="test")
        self.assertIn("Ipams", c.describe_ipams())


if __name__ == "__main__":
    unittest.main()
