"""IPAM monitoring through boto3 (with its paginators) and the AWS CLI:
GetIpamResourceCidrs, ModifyIpamResourceCidr and GetIpamAddressHistory.

Every VPC and subnet of the development account in us-east-1 is a resource
CIDR of every IPAM of the account, so each test works in address space of
its own (10.2xx.0.0/16) and asserts on the resources it made."""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from compat_base import ACCOUNT, ENDPOINT, REGION, Base, Server, client

UTC = datetime.timezone.utc
OTHER = "999999999999"


def now():
    return datetime.datetime.now(UTC)


class MonitorBase(Base):
    def named_vpc(self, cidr, name):
        return self.new_vpc(CidrBlock=cidr, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}])["VpcId"]

    def subnet(self, vpc_id, cidr):
        return self.ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]

    def cidrs(self, scope_id, **kwargs):
        """Every resource CIDR of the scope that kwargs select, through the paginator."""
        pages = self.ec2.get_paginator("get_ipam_resource_cidrs").paginate(IpamScopeId=scope_id, **kwargs)
        return [r for p in pages for r in p["IpamResourceCidrs"]]

    def status(self, scope_id, resource_id, cidr):
        """(management, compliance, overlap) of one block, None if absent."""
        for r in self.cidrs(scope_id, ResourceId=resource_id):
            if r["ResourceCidr"] == cidr:
                return (r["ManagementState"], r["ComplianceStatus"], r["OverlapStatus"])
        return None

    def ids(self, scope_id, vpc_ids, *filters, **kwargs):
        """The resource ids among vpc_ids' VPCs and subnets that filters select, sorted."""
        fs = [{"Name": "vpc-id", "Values": list(vpc_ids)}]
        fs += [{"Name": n, "Values": [v]} for n, v in filters]
        return sorted(r["ResourceId"] for r in self.cidrs(scope_id, Filters=fs, **kwargs))

    def history(self, scope_id, cidr, **kwargs):
        pages = self.ec2.get_paginator("get_ipam_address_history").paginate(
            IpamScopeId=scope_id, Cidr=cidr, **kwargs)
        return [h for p in pages for h in p["HistoryRecords"]]

    def modify(self, resource_id, cidr, scope_id, monitored, **kwargs):
        return self.ec2.modify_ipam_resource_cidr(
            ResourceId=resource_id, ResourceCidr=cidr, ResourceRegion=REGION,
            CurrentIpamScopeId=scope_id, Monitored=monitored, **kwargs)["IpamResourceCidr"]


class TestResourceCidrs(MonitorBase):
    def test_vpcs_and_subnets_with_statuses(self):
        ipam, pool = self.ipam_and_pool("10.210.0.0/16", Locale=REGION)
        scope, pid = ipam["PrivateDefaultScopeId"], pool["IpamPoolId"]
        a = self.new_vpc(Ipv4IpamPoolId=pid, Ipv4NetmaskLength=20)["VpcId"]
        self.assertEqual(self.status(scope, a, "10.210.0.0/20"), ("managed", "compliant", "nonoverlapping"))

        # b overlaps a: both overlap. b's subnets overlap a too, but not b.
        b = self.named_vpc("10.210.8.0/21", "bee")
        s1, s2 = self.subnet(b, "10.210.8.0/24"), self.subnet(b, "10.210.9.0/24")
        self.assertEqual(self.status(scope, a, "10.210.0.0/20"), ("managed", "compliant", "overlapping"))
        self.assertEqual(self.status(scope, b, "10.210.8.0/21"), ("unmanaged", "unmanaged", "overlapping"))
        self.assertEqual(self.status(scope, s1, "10.210.8.0/24"), ("unmanaged", "unmanaged", "overlapping"))

        [ra] = self.cidrs(scope, ResourceId=a)
        self.assertEqual(ra["IpamId"], ipam["IpamId"])
        self.assertEqual(ra["IpamScopeId"], scope)
        self.assertEqual(ra["IpamPoolId"], pid)
        self.assertEqual((ra["ResourceRegion"], ra["ResourceOwnerId"], ra["ResourceType"], ra["VpcId"]),
                         (REGION, ACCOUNT, "vpc", a))
        self.assertEqual(ra["IpUsage"], 0.0)
        [rb] = self.cidrs(scope, ResourceId=b)
        self.assertNotIn("IpamPoolId", rb)
        self.assertEqual(rb["ResourceName"], "bee")
        self.assertEqual(rb["ResourceTags"], [{"Key": "Name", "Value": "bee"}])
        # Two /24 of a /21: a quarter of it.
        self.assertEqual(rb["IpUsage"], 0.25)
        [rs] = self.cidrs(scope, ResourceId=s1)
        self.assertEqual((rs["ResourceType"], rs["VpcId"], rs["IpUsage"]), ("subnet", b, 0.0))
        self.assertRegex(rs["AvailabilityZoneId"], r"^use1-az[0-9]+$")

        # Narrowing the pool's netmask bounds makes a noncompliant at once.
        self.ec2.modify_ipam_pool(IpamPoolId=pid, AllocationMinNetmaskLength=21)
        self.assertEqual(self.status(scope, a, "10.210.0.0/20"), ("managed", "noncompliant", "overlapping"))
        self.ec2.modify_ipam_pool(IpamPoolId=pid, AllocationMinNetmaskLength=16)
        self.assertEqual(self.status(scope, a, "10.210.0.0/20"), ("managed", "compliant", "overlapping"))

        # Filters and the top-level parameters.
        mine = (a, b)
        self.assertEqual(self.ids(scope, mine, ("management-state", "managed")), [a])
        self.assertEqual(self.ids(scope, mine, ("management-state", "unmanaged")), sorted([b, s1, s2]))
        self.assertEqual(self.ids(scope, mine, ("resource-type", "subnet")), sorted([s1, s2]))
        self.assertEqual(self.ids(scope, [b], ("resource-type", "vpc")), [b])
        self.assertEqual(self.ids(scope, mine, ("compliance-status", "compliant")), [a])
        self.assertEqual(self.ids(scope, mine, ("overlap-status", "overlapping")), sorted([a, b, s1, s2]))
        self.assertEqual(self.ids(scope, mine, ("overlap-status", "nonoverlapping")), [])
        self.assertEqual(self.ids(scope, mine, ResourceType="subnet"), sorted([s1, s2]))
        self.assertEqual(self.ids(scope, mine, IpamPoolId=pid), [a])
        self.assertEqual(self.ids(scope, mine, ResourceTag={"Key": "Name", "Value": "bee"}), [b])
        self.assertEqual(self.ids(scope, mine, ResourceTag={"Key": "Name", "Value": "wasp"}), [])
        self.assertEqual(self.ids(scope, mine, ResourceOwner=ACCOUNT), sorted([a, b, s1, s2]))
        self.assertEqual(self.ids(scope, mine, ResourceOwner=OTHER), [])
        # The public scope sees no IPv4 block.
        self.assertEqual(self.ids(ipam["PublicDefaultScopeId"], mine), [])

        # Deleting b and its subnets ends the overlap.
        self._delete_vpc(b)
        self.assertEqual(self.status(scope, a, "10.210.0.0/20"), ("managed", "compliant", "nonoverlapping"))
        self.assertIsNone(self.status(scope, b, "10.210.8.0/21"))

    def test_paginator(self):
        ipam = self.new_ipam()
        scope = ipam["PrivateDefaultScopeId"]
        v = self.new_vpc(CidrBlock="10.211.0.0/16")["VpcId"]
        subnets = [self.subnet(v, "10.211.%d.0/24" % i) for i in range(11)]
        fs = [{"Name": "vpc-id", "Values": [v]}]
        whole = self.ec2.get_ipam_resource_cidrs(IpamScopeId=scope, Filters=fs, MaxResults=1000)
        self.assertNotIn("NextToken", whole)
        want = [(r["ResourceId"], r["ResourceCidr"]) for r in whole["IpamResourceCidrs"]]
        self.assertEqual(sorted(i for i, _ in want), sorted([v] + subnets))
        pages = list(self.ec2.get_paginator("get_ipam_resource_cidrs").paginate(
            IpamScopeId=scope, Filters=fs, PaginationConfig={"PageSize": 5}))
        self.assertEqual([len(p["IpamResourceCidrs"]) for p in pages], [5, 5, 2])
        self.assertEqual([(r["ResourceId"], r["ResourceCidr"]) for p in pages for r in p["IpamResourceCidrs"]], want)
        # IpUsage: eleven /24 of a /16.
        [rv] = [r for r in whole["IpamResourceCidrs"] if r["ResourceId"] == v]
        self.assertAlmostEqual(rv["IpUsage"], 11 / 256)
        # MaxResults outside 5..1000, sent past botocore's own range check.
        for n in (4, 1001):
            self.assertClientError(self.raw.get_ipam_resource_cidrs, "InvalidParameterValue",
                                   IpamScopeId=scope, MaxResults=n)
        self.assertClientError(self.ec2.get_ipam_resource_cidrs, "InvalidParameterValue",
                               IpamScopeId=scope, Filters=[{"Name": "bogus", "Values": ["x"]}])


class TestModifyIpamResourceCidr(MonitorBase):
    def test_ignore_unignore_move(self):
        ipam = self.new_ipam()
        scope = ipam["PrivateDefaultScopeId"]
        a = self.new_vpc(CidrBlock="10.212.0.0/16")["VpcId"]
        b = self.new_vpc(CidrBlock="10.212.0.0/20")["VpcId"]
        self.assertEqual(self.status(scope, a, "10.212.0.0/16"), ("unmanaged", "unmanaged", "overlapping"))

        # DryRun changes nothing.
        self.assertClientError(self.modify, "DryRunOperation", status=412, resource_id=b,
                               cidr="10.212.0.0/20", scope_id=scope, monitored=False, DryRun=True)
        self.assertEqual(self.status(scope, b, "10.212.0.0/20"), ("unmanaged", "unmanaged", "overlapping"))

        out = self.modify(b, "10.212.0.0/20", scope, False)
        self.assertEqual((out["ResourceId"], out["ResourceCidr"], out["IpamScopeId"]), (b, "10.212.0.0/20", scope))
        self.assertEqual((out["ManagementState"], out["ComplianceStatus"], out["OverlapStatus"]),
                         ("ignored", "ignored", "ignored"))
        self.assertEqual(self.status(scope, a, "10.212.0.0/16"), ("unmanaged", "unmanaged", "nonoverlapping"))
        self.assertEqual(self.ids(scope, (a, b), ("management-state", "ignored")), [b])

        out = self.modify(b, "10.212.0.0/20", scope, True)
        self.assertEqual(out["ManagementState"], "unmanaged")
        self.assertEqual(self.status(scope, a, "10.212.0.0/16"), ("unmanaged", "unmanaged", "overlapping"))

        # Moving b to another scope of the IPAM ends the overlap in this one.
        other = self.ec2.create_ipam_scope(IpamId=ipam["IpamId"])["IpamScope"]["IpamScopeId"]
        out = self.modify(b, "10.212.0.0/20", scope, True, DestinationIpamScopeId=other)
        self.assertEqual(out["IpamScopeId"], other)
        self.assertEqual(self.status(scope, a, "10.212.0.0/16"), ("unmanaged", "unmanaged", "nonoverlapping"))
        self.assertIsNone(self.status(scope, b, "10.212.0.0/20"))
        self.assertEqual(self.status(other, b, "10.212.0.0/20"), ("unmanaged", "unmanaged", "nonoverlapping"))
        # ...and back.
        self.modify(b, "10.212.0.0/20", other, True, DestinationIpamScopeId=scope)
        self.assertEqual(self.status(scope, a, "10.212.0.0/16"), ("unmanaged", "unmanaged", "overlapping"))

        # Refusals change nothing.
        self.assertClientError(self.modify, "InvalidParameterValue", resource_id=a,
                               cidr="10.213.0.0/16", scope_id=scope, monitored=False)
        self.assertClientError(self.modify, "InvalidParameterValue", resource_id=a,
                               cidr="10.212.0.1/16", scope_id=scope, monitored=False)
        self.assertClientError(self.modify, "InvalidIpamScopeId.NotFound", resource_id=a,
                               cidr="10.212.0.0/16", scope_id="ipam-scope-0123456789abcdef0", monitored=False)
        self.assertEqual(self.status(scope, a, "10.212.0.0/16"), ("unmanaged", "unmanaged", "overlapping"))

    def test_managed_block_stays_in_its_pools_scope(self):
        ipam, pool = self.ipam_and_pool("10.215.0.0/16", Locale=REGION)
        scope = ipam["PrivateDefaultScopeId"]
        v = self.new_vpc(Ipv4IpamPoolId=pool["IpamPoolId"], Ipv4NetmaskLength=24)["VpcId"]
        other = self.ec2.create_ipam_scope(IpamId=ipam["IpamId"])["IpamScope"]["IpamScopeId"]
        self.assertClientError(self.modify, "InvalidParameterValue", resource_id=v, cidr="10.215.0.0/24",
                               scope_id=scope, monitored=True, DestinationIpamScopeId=other)
        self.assertEqual(self.status(scope, v, "10.215.0.0/24"), ("managed", "compliant", "nonoverlapping"))
        # Ignoring a managed block is allowed.
        self.assertEqual(self.modify(v, "10.215.0.0/24", scope, False)["ManagementState"], "ignored")


class TestAddressHistory(MonitorBase):
    def test_time_travel(self):
        """A CIDR that passed through three VPCs: three records, in order."""
        scope = self.new_ipam()["PrivateDefaultScopeId"]
        begin = now() - datetime.timedelta(seconds=1)
        ids, marks = [], []
        for i in range(3):
            ids.append(self.named_vpc("10.213.0.0/16", "v%d" % i))
            time.sleep(0.02)
            marks.append(now())
            if i < 2:
                self.ec2.delete_vpc(VpcId=ids[i])
        # One record a page: the paginator follows NextToken.
        pages = list(self.ec2.get_paginator("get_ipam_address_history").paginate(
            IpamScopeId=scope, Cidr="10.213.0.0/16", StartTime=begin, PaginationConfig={"PageSize": 1}))
        recs = [h for p in pages for h in p["HistoryRecords"]]
        self.assertEqual([len(p["HistoryRecords"]) for p in pages if p["HistoryRecords"]], [1, 1, 1])
        self.assertEqual([r["ResourceId"] for r in recs], ids)
        for i, r in enumerate(recs):
            self.assertEqual((r["ResourceOwnerId"], r["ResourceRegion"], r["ResourceType"], r["VpcId"],
                              r["ResourceName"], r["ResourceCidr"], r["ResourceComplianceStatus"],
                              r["ResourceOverlapStatus"]),
                             (ACCOUNT, REGION, "vpc", ids[i], "v%d" % i, "10.213.0.0/16", "unmanaged",
                              "nonoverlapping"), r)
            start = r["SampledStartTime"]
            self.assertGreaterEqual(start, begin)
            self.assertLessEqual(start, marks[i])
            if i > 0:
                self.assertGreaterEqual(start, recs[i - 1]["SampledEndTime"])
            if i < 2:
                self.assertGreaterEqual(r["SampledEndTime"], start)
                self.assertLessEqual(r["SampledEndTime"], marks[i + 1])
        self.assertNotIn("SampledEndTime", recs[2])

        # The same through one call, and through a window on the first span.
        self.assertEqual(self.history(scope, "10.213.0.0/16", StartTime=begin), recs)
        first = self.history(scope, "10.213.0.0/16", StartTime=begin, EndTime=recs[0]["SampledStartTime"])
        self.assertEqual([r["ResourceId"] for r in first], ids[:1])
        # Without times the window is now: only the current holder.
        self.assertEqual([r["ResourceId"] for r in self.history(scope, "10.213.0.0/16")], ids[2:])
        # EndTime alone is a moment: the second VPC held it then.
        mid = recs[1]["SampledStartTime"] + (recs[1]["SampledEndTime"] - recs[1]["SampledStartTime"]) / 2
        self.assertEqual([r["ResourceId"] for r in self.history(scope, "10.213.0.0/16", EndTime=mid)], ids[1:2])
        self.assertEqual([r["ResourceId"] for r in self.history(
            scope, "10.213.0.0/16", StartTime=begin, VpcId=ids[1])], ids[1:2])
        # Exact match only: the /17 inside and the /15 around have no history.
        self.assertEqual(self.history(scope, "10.213.0.0/17", StartTime=begin), [])
        self.assertEqual(self.history(scope, "10.212.0.0/15", StartTime=begin), [])
        # A wide window, to the limits of what botocore sends.
        wide = self.history(scope, "10.213.0.0/16", StartTime=datetime.datetime(1970, 1, 2, tzinfo=UTC),
                            EndTime=datetime.datetime(3000, 1, 1, tzinfo=UTC))
        self.assertEqual([r["ResourceId"] for r in wide], ids)

    def test_overlap_begins_and_ends(self):
        scope = self.new_ipam()["PrivateDefaultScopeId"]
        begin = now() - datetime.timedelta(seconds=1)
        a = self.new_vpc(CidrBlock="10.214.0.0/16")["VpcId"]
        b = self.new_vpc(CidrBlock="10.214.0.0/24")["VpcId"]
        self.ec2.delete_vpc(VpcId=b)
        recs = self.history(scope, "10.214.0.0/16", StartTime=begin)
        self.assertEqual([(r["ResourceId"], r["ResourceOverlapStatus"], "SampledEndTime" in r) for r in recs],
                         [(a, "nonoverlapping", True), (a, "overlapping", True), (a, "nonoverlapping", False)])
        for before, after in zip(recs, recs[1:]):
            self.assertEqual(after["SampledStartTime"], before["SampledEndTime"])
        # b held its /24 overlapping, for the span of its life.
        [rb] = self.history(scope, "10.214.0.0/24", StartTime=begin)
        self.assertEqual((rb["ResourceId"], rb["ResourceOverlapStatus"]), (b, "overlapping"))
        self.assertEqual((rb["SampledStartTime"], rb["SampledEndTime"]),
                         (recs[1]["SampledStartTime"], recs[1]["SampledEndTime"]))


class TestMonitorBadInput(MonitorBase):
    def test_dry_run(self):
        scope = self.new_ipam()["PrivateDefaultScopeId"]
        self.assertClientError(self.ec2.get_ipam_resource_cidrs, "DryRunOperation", status=412,
                               IpamScopeId=scope, DryRun=True)
        self.assertClientError(self.ec2.get_ipam_address_history, "DryRunOperation", status=412,
                               IpamScopeId=scope, Cidr="10.216.0.0/16", DryRun=True)

    def test_bad_input(self):
        scope = self.new_ipam()["PrivateDefaultScopeId"]
        v = self.new_vpc(CidrBlock="10.216.0.0/16")["VpcId"]
        hist = self.raw.get_ipam_address_history
        self.assertClientError(hist, "MissingParameter", message="Cidr", IpamScopeId=scope)
        self.assertClientError(hist, "MissingParameter", message="IpamScopeId", Cidr="10.216.0.0/16")
        self.assertClientError(self.raw.get_ipam_resource_cidrs, "MissingParameter", message="IpamScopeId")
        self.assertClientError(self.raw.modify_ipam_resource_cidr, "MissingParameter", message="Monitored",
                               ResourceId=v, ResourceCidr="10.216.0.0/16", ResourceRegion=REGION,
                               CurrentIpamScopeId=scope)
        for bad in ("10.216.0.0", "10.216.0.0/33", "nonsense", "10.216.0.1/16", "", "fd00::/129"):
            self.assertClientError(hist, "MissingParameter" if bad == "" else "InvalidParameterValue",
                                   IpamScopeId=scope, Cidr=bad)
        t = now()
        self.assertClientError(hist, "InvalidParameterValue", IpamScopeId=scope, Cidr="10.216.0.0/16",
                               StartTime=t, EndTime=t - datetime.timedelta(hours=1))
        for n in (0, 1001, -1):
            self.assertClientError(hist, "InvalidParameterValue", IpamScopeId=scope, Cidr="10.216.0.0/16",
                                   MaxResults=n)
        self.assertClientError(hist, "InvalidIpamScopeId.NotFound", IpamScopeId="ipam-scope-0123456789abcdef0",
                               Cidr="10.216.0.0/16")
        self.assertClientError(hist, "InvalidIpamScopeId.Malformed", IpamScopeId="ipam-pool-0123456789abcdef0",
                               Cidr="10.216.0.0/16")
        # Nothing changed: one open record, the block still monitored.
        [rec] = self.history(scope, "10.216.0.0/16")
        self.assertEqual(rec["ResourceId"], v)
        self.assertNotIn("SampledEndTime", rec)
        self.assertEqual(self.status(scope, v, "10.216.0.0/16"), ("unmanaged", "unmanaged", "nonoverlapping"))


class TestMonitorAccounts(unittest.TestCase):
    """Another account's scope is NotFound: a server of its own with two accounts."""

    ALICE = ("AKIDALICEMONITOR", "alice-secret", "111111111111")
    BOB = ("AKIDBOBMONITOR", "bob-secret", "222222222222")

    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("IPAMD_BIN")
        if not binary:
            raise unittest.SkipTest("needs IPAMD_BIN (set by run.sh)")
        cls.tmp = tempfile.mkdtemp()
        creds = os.path.join(cls.tmp, "credentials.json")
        with open(os.open(creds, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            json.dump({"accounts": [{"name": n, "access_key_id": k, "secret_access_key": s, "account_id": a}
                                    for n, (k, s, a) in (("alice", cls.ALICE), ("bob", cls.BOB))]}, f)
        try:
            cls.server = Server(binary, cls.tmp, "--credentials", creds)
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_other_accounts_scope(self):
        alice = client(endpoint=self.server.endpoint, key=self.ALICE[0], secret=self.ALICE[1])
        bob = client(validate=False, endpoint=self.server.endpoint, key=self.BOB[0], secret=self.BOB[1])
        scope = alice.create_ipam()["Ipam"]["PrivateDefaultScopeId"]
        v = alice.create_vpc(CidrBlock="10.217.0.0/16")["Vpc"]["VpcId"]
        calls = (
            (bob.get_ipam_resource_cidrs, dict(IpamScopeId=scope)),
            (bob.get_ipam_address_history, dict(IpamScopeId=scope, Cidr="10.217.0.0/16")),
            (bob.modify_ipam_resource_cidr, dict(ResourceId=v, ResourceCidr="10.217.0.0/16", ResourceRegion=REGION,
                                                 CurrentIpamScopeId=scope, Monitored=False)),
        )
        for fn, kwargs in calls:
            with self.assertRaises(bob.exceptions.ClientError) as cm:
                fn(**kwargs)
            self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidIpamScopeId.NotFound")
        [r] = alice.get_ipam_resource_cidrs(IpamScopeId=scope)["IpamResourceCidrs"]
        self.assertEqual((r["ResourceId"], r["ResourceOwnerId"], r["ManagementState"]), (v, "111111111111", "unmanaged"))
        # Bob's own VPC is not a resource CIDR of Alice's IPAM.
        client(endpoint=self.server.endpoint, key=self.BOB[0], secret=self.BOB[1]).create_vpc(CidrBlock="10.217.0.0/16")
        self.assertEqual(len(alice.get_ipam_resource_cidrs(IpamScopeId=scope)["IpamResourceCidrs"]), 1)


class TestMonitorCLI(MonitorBase):
    def setUp(self):
        self.aws_bin = shutil.which("aws")
        if not self.aws_bin:
            raise unittest.SkipTest("the AWS CLI (aws) is not installed")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
        self.env = env

    def aws(self, *args):
        p = subprocess.run([self.aws_bin, "--endpoint-url", ENDPOINT, "ec2", *args, "--output", "json"],
                           env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_cli(self):
        scope = self.new_ipam()["PrivateDefaultScopeId"]
        begin = now() - datetime.timedelta(seconds=1)
        v = self.named_vpc("10.218.0.0/16", "cli")
        sn = self.subnet(v, "10.218.0.0/17")

        out = self.aws("get-ipam-resource-cidrs", "--ipam-scope-id", scope,
                       "--filters", "Name=vpc-id,Values=" + v)["IpamResourceCidrs"]
        got = {r["ResourceId"]: r for r in out}
        self.assertEqual(sorted(got), sorted([v, sn]))
        self.assertEqual((got[v]["ResourceCidr"], got[v]["ResourceType"], got[v]["ManagementState"],
                          got[v]["OverlapStatus"], got[v]["IpUsage"], got[v]["ResourceName"]),
                         ("10.218.0.0/16", "vpc", "unmanaged", "nonoverlapping", 0.5, "cli"))
        self.assertEqual((got[sn]["ResourceCidr"], got[sn]["ResourceType"], got[sn]["IpUsage"]),
                         ("10.218.0.0/17", "subnet", 0.0))

        recs = self.aws("get-ipam-address-history", "--ipam-scope-id", scope, "--cidr", "10.218.0.0/16",
                        "--start-time", begin.strftime("%Y-%m-%dT%H:%M:%SZ"))["HistoryRecords"]
        self.assertEqual(len(recs), 1, recs)
        r = recs[0]
        self.assertEqual((r["ResourceId"], r["ResourceOwnerId"], r["ResourceType"], r["ResourceCidr"],
                          r["ResourceOverlapStatus"]), (v, ACCOUNT, "vpc", "10.218.0.0/16", "nonoverlapping"))
        self.assertNotIn("SampledEndTime", r)
        start = datetime.datetime.fromisoformat(r["SampledStartTime"].replace("Z", "+00:00"))
        self.assertGreaterEqual(start, begin.replace(microsecond=0))
        self.assertLessEqual(start, now())


if __name__ == "__main__":
    unittest.main()
