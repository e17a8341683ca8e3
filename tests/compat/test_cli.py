"""The AWS CLI against ipamd: `aws --endpoint-url ... ec2 ... --output json`."""

import json
import os
import shutil
import subprocess
import unittest

from compat_base import ACCOUNT, ALLOC_ID, ENDPOINT, IPAM_ID, POOL_ID, Base


class TestCLI(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.aws_bin = shutil.which("aws")
        if not cls.aws_bin:
            raise unittest.SkipTest("the AWS CLI (aws) is not installed")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
        cls.env = env

    def aws(self, *args, check=True):
        """Runs one CLI command; returns (exit code, parsed JSON or None, stderr)."""
        p = subprocess.run([self.aws_bin, "--endpoint-url", ENDPOINT, "ec2", *args, "--output", "json"],
                           env=self.env, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            self.fail("aws %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
        out = json.loads(p.stdout) if p.stdout.strip() else None
        return p.returncode, out, p.stderr

    def test_session(self):
        _, out, _ = self.aws("create-ipam", "--description", "cli lab",
                             "--tag-specifications", "ResourceType=ipam,Tags=[{Key=via,Value=cli}]")
        ipam = out["Ipam"]
        self.addCleanup(self._delete_ipam, ipam["IpamId"])
        self.assertRegex(ipam["IpamId"], IPAM_ID)
        self.assertEqual(ipam["OwnerId"], ACCOUNT)
        self.assertEqual(ipam["Tags"], [{"Key": "via", "Value": "cli"}])

        _, out, _ = self.aws("describe-ipams", "--ipam-ids", ipam["IpamId"])
        self.assertEqual([i["IpamId"] for i in out["Ipams"]], [ipam["IpamId"]])
        self.assertEqual(out["Ipams"][0]["State"], "create-complete")

        _, out, _ = self.aws("create-ipam-pool", "--ipam-scope-id", ipam["PrivateDefaultScopeId"],
                             "--address-family", "ipv4", "--allocation-default-netmask-length", "24")
        pool = out["IpamPool"]
        self.assertRegex(pool["IpamPoolId"], POOL_ID)
        self.assertEqual(pool["Locale"], "None")
        self.assertEqual(pool["Tags"], [])

        _, out, _ = self.aws("provision-ipam-pool-cidr", "--ipam-pool-id", pool["IpamPoolId"], "--cidr", "10.0.0.0/16")
        self.assertEqual((out["IpamPoolCidr"]["Cidr"], out["IpamPoolCidr"]["State"]),
                         ("10.0.0.0/16", "pending-provision"))

        _, out, _ = self.aws("allocate-ipam-pool-cidr", "--ipam-pool-id", pool["IpamPoolId"], "--description", "app-a")
        a = out["IpamPoolAllocation"]
        self.assertEqual((a["Cidr"], a["Description"], a["ResourceType"]), ("10.0.0.0/24", "app-a", "custom"))
        self.assertRegex(a["IpamPoolAllocationId"], ALLOC_ID)

        _, out, _ = self.aws("allocate-ipam-pool-cidr", "--ipam-pool-id", pool["IpamPoolId"], "--netmask-length", "26",
                             "--disallowed-cidrs", "10.0.1.0/24")
        self.assertEqual(out["IpamPoolAllocation"]["Cidr"], "10.0.2.0/26")

        _, out, _ = self.aws("allocate-ipam-pool-cidr", "--ipam-pool-id", pool["IpamPoolId"], "--netmask-length", "20",
                             "--preview-next-cidr")
        self.assertEqual(out["IpamPoolAllocation"], {"Cidr": "10.0.16.0/20"})

        _, out, _ = self.aws("get-ipam-pool-allocations", "--ipam-pool-id", pool["IpamPoolId"],
                             "--filters", "Name=resource-type,Values=custom", "Name=cidr,Values=10.0.*")
        self.assertEqual(sorted(x["Cidr"] for x in out["IpamPoolAllocations"]), ["10.0.0.0/24", "10.0.2.0/26"])

        _, out, _ = self.aws("release-ipam-pool-allocation", "--ipam-pool-id", pool["IpamPoolId"],
                             "--ipam-pool-allocation-id", a["IpamPoolAllocationId"], "--cidr", a["Cidr"])
        self.assertEqual(out, {"Success": True})
        _, out, _ = self.aws("get-ipam-pool-allocations", "--ipam-pool-id", pool["IpamPoolId"])
        self.assertEqual([x["Cidr"] for x in out["IpamPoolAllocations"]], ["10.0.2.0/26"])

    def test_auto_pagination(self):
        ipam, pool = self.ipam_and_pool("10.0.0.0/16")
        made = self.allocate_many(pool["IpamPoolId"], 1100, 28)
        # --page-size 1000 makes the CLI fetch two pages and join them
        _, out, _ = self.aws("get-ipam-pool-allocations", "--ipam-pool-id", pool["IpamPoolId"], "--page-size", "1000")
        got = [x["Cidr"] for x in out["IpamPoolAllocations"]]
        self.assertEqual(len(got), 1100)
        self.assertEqual(sorted(got), sorted(made))
        self.assertNotIn("NextToken", out)
        # --max-items stops early and prints a token to resume from
        _, out, _ = self.aws("get-ipam-pool-allocations", "--ipam-pool-id", pool["IpamPoolId"],
                             "--page-size", "1000", "--max-items", "1050")
        self.assertEqual(len(out["IpamPoolAllocations"]), 1050)
        self.assertIn("NextToken", out)
        _, rest, _ = self.aws("get-ipam-pool-allocations", "--ipam-pool-id", pool["IpamPoolId"],
                              "--page-size", "1000", "--starting-token", out["NextToken"])
        self.assertEqual(len(rest["IpamPoolAllocations"]), 50)
        self.assertEqual(sorted([x["Cidr"] for x in out["IpamPoolAllocations"] + rest["IpamPoolAllocations"]]),
                         sorted(made))

    def test_error_exit_code(self):
        code, out, err = self.aws("get-ipam-pool-allocations", "--ipam-pool-id", "ipam-pool-0123456789abcdef0",
                                  check=False)
        self.assertEqual(code, 255)
        self.assertIsNone(out)
        self.assertIn("An error occurred (InvalidIpamPoolId.NotFound) when calling the GetIpamPoolAllocations "
                      "operation: The ipam-pool ID 'ipam-pool-0123456789abcdef0' does not exist", err)

    def test_dry_run(self):
        before = len(self.ec2.describe_ipams(MaxResults=1000)["Ipams"])
        code, out, err = self.aws("create-ipam", "--dry-run", check=False)
        self.assertEqual(code, 255)
        self.assertIn("An error occurred (DryRunOperation) when calling the CreateIpam operation: "
                      "Request would have succeeded, but DryRun flag is set.", err)
        self.assertEqual(len(self.ec2.describe_ipams(MaxResults=1000)["Ipams"]), before)


if __name__ == "__main__":
    unittest.main()
