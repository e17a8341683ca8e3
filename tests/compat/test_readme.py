"""The README's AWS CLI session, run twice against a fresh server started with
the default flags (as a newcomer would): both runs must succeed and print the
CIDRs the README's comments promise."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from compat_base import Server

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
DOC_ENDPOINT = "http://127.0.0.1:4726"


def session_script():
    with open(README) as f:
        text = f.read()
    m = re.search(r"^## A session with the AWS CLI\n.*?^```sh\n(.*?)^```", text, re.S | re.M)
    if not m:
        raise AssertionError("README.md has no sh block under '## A session with the AWS CLI'")
    return m.group(1)


class TestReadmeSession(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary, aws = os.environ.get("IPAMD_BIN"), shutil.which("aws")
        if not binary or not aws:
            raise unittest.SkipTest("needs IPAMD_BIN (set by run.sh) and the AWS CLI")
        cls.tmp = tempfile.mkdtemp()
        try:
            cls.server = Server(binary, cls.tmp)
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.endpoint = cls.server.endpoint

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_session_runs_twice(self):
        script = session_script()
        self.assertIn(DOC_ENDPOINT, script)
        promised = re.findall(r"#\s*([0-9.]+/[0-9]+)", script)
        self.assertGreaterEqual(len(promised), 3, script)
        script = script.replace(DOC_ENDPOINT, self.endpoint)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
        for run in (1, 2):
            p = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env,
                               capture_output=True, text=True, timeout=180)
            self.assertEqual(p.returncode, 0, "run %d of the README session failed:\n%s" % (run, p.stderr))
            for cidr in promised:
                self.assertIn('"%s"' % cidr, p.stdout, "run %d did not answer %s" % (run, cidr))


if __name__ == "__main__":
    unittest.main()
