"""Shared helpers for the compatibility suite: clients and small fixtures.

The server is started by run.sh; IPAMD_ENDPOINT says where. Every test case
builds the objects it needs in the development account (test/test); the
server runs with --max-ipams high enough for one IPAM per test.
"""

import concurrent.futures
import ipaddress
import os
import re
import socket
import subprocess
import time
import unittest
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("IPAMD_ENDPOINT", "")
ACCOUNT = "000000000000"
REGION = "us-east-1"

ID17 = r"0[0-9a-f]{16}"
IPAM_ID = re.compile(r"^ipam-" + ID17 + r"$")
SCOPE_ID = re.compile(r"^ipam-scope-" + ID17 + r"$")
POOL_ID = re.compile(r"^ipam-pool-" + ID17 + r"$")
ALLOC_ID = re.compile(r"^ipam-pool-alloc-0[0-9a-f]{32}$")
POOL_CIDR_ID = re.compile(r"^ipam-pool-cidr-0[0-9a-f]{32}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def client(validate=True, endpoint=None, key="test", secret="test"):
    """An EC2 client, by default for the development account of the suite's
    server. validate=False turns off botocore's client-side parameter checks
    so bad input reaches the server."""
    cfg = Config(retries={"max_attempts": 1, "mode": "standard"},
                 parameter_validation=validate)
    return boto3.client("ec2", endpoint_url=endpoint or ENDPOINT, region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


class Server:
    """An ipamd of a test's own (binary serve with args) on a free loopback
    port, its data under tmp; healthy when the constructor returns."""

    def __init__(self, binary, tmp, *args):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.endpoint = "http://127.0.0.1:%d" % port
        self.log = open(os.path.join(tmp, "ipamd.log"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:%d" % port,
                                      "--data-dir", os.path.join(tmp, "data"), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while True:
            try:
                if urllib.request.urlopen(self.endpoint + "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                with open(os.path.join(tmp, "ipamd.log")) as f:
                    log = f.read()[-2000:]
                raise AssertionError("ipamd (%s) did not become healthy:\n%s" % (" ".join(args), log))
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.log.close()


class Base(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not ENDPOINT:
            raise unittest.SkipTest("IPAMD_ENDPOINT is not set; run tests/compat/run.sh")
        cls.ec2 = client()
        cls.raw = client(validate=False)

    # --- assertions -------------------------------------------------------

    def assertClientError(self, fn, code, status=400, message=None, **kwargs):
        """Calls fn(**kwargs) and checks the EC2 error it raises."""
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertRegex(err["ResponseMetadata"]["RequestId"], UUID_RE)
        if message is not None:
            self.assertIn(message, err["Error"]["Message"])
        return err

    # --- fixtures ---------------------------------------------------------

    def new_ipam(self, **kwargs):
        ipam = self.ec2.create_ipam(**kwargs)["Ipam"]
        self.addCleanup(self._delete_ipam, ipam["IpamId"])
        return ipam

    def _delete_ipam(self, ipam_id):
        try:
            self.ec2.delete_ipam(IpamId=ipam_id, Cascade=True)
        except ClientError as e:
            if e.response["Error"]["Code"] != "InvalidIpamId.NotFound":
                raise

    def new_pool(self, scope_id, cidr=None, **kwargs):
        kwargs.setdefault("AddressFamily", "ipv4")
        pool = self.ec2.create_ipam_pool(IpamScopeId=scope_id, **kwargs)["IpamPool"]
        if cidr:
            self.ec2.provision_ipam_pool_cidr(IpamPoolId=pool["IpamPoolId"], Cidr=cidr)
        return pool

    def ipam_and_pool(self, cidr="10.0.0.0/16", **pool_kwargs):
        ipam = self.new_ipam()
        pool = self.new_pool(ipam["PrivateDefaultScopeId"], cidr, **pool_kwargs)
        return ipam, pool

    def new_vpc(self, **kwargs):
        """A VPC deleted (with its subnets and planning pools) when the test ends."""
        vpc = self.ec2.create_vpc(**kwargs)["Vpc"]
        self.addCleanup(self._delete_vpc, vpc["VpcId"])
        return vpc

    def _delete_vpc(self, vpc_id):
        for sn in self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
            self.ec2.delete_subnet(SubnetId=sn["SubnetId"])
        for p in self.ec2.describe_ipam_pools()["IpamPools"]:
            if p.get("SourceResource", {}).get("ResourceId") == vpc_id:
                self.ec2.delete_ipam_pool(IpamPoolId=p["IpamPoolId"], Cascade=True)
        try:
            self.ec2.delete_vpc(VpcId=vpc_id)
        except self.ec2.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "InvalidVpcID.NotFound":
                raise

    def allocate_many(self, pool_id, n, netmask, workers=4):
        """n allocations of /netmask in pool_id, in parallel; returns their CIDRs."""
        def work(count):
            c = client()
            return [c.allocate_ipam_pool_cidr(IpamPoolId=pool_id, NetmaskLength=netmask)
                    ["IpamPoolAllocation"]["Cidr"] for _ in range(count)]
        shares = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            out = []
            for part in ex.map(work, shares):
                out.extend(part)
        return out


def token():
    return str(uuid.uuid4())


def net(cidr):
    return ipaddress.ip_network(cidr)
