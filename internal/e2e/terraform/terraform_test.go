// Package terraform runs the real Terraform AWS provider against ipamd: an
// IPAM, pools, VPCs from a pool, a secondary block and subnets are applied,
// planned again (no changes) and destroyed, with the CIDRs checked through
// the API. It skips, saying why, where terraform or the provider is absent.
package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ipamd/ipamd/internal/testserver"
)

// providerMirror is where the machine keeps the AWS provider 5.100.0
// (a filesystem mirror: no download at test time).
var mirrors = []string{os.Getenv("IPAMD_TF_MIRROR"), "/opt/tf-plugins"}

func findMirror() string {
	for _, m := range mirrors {
		if m == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(m, "registry.terraform.io", "hashicorp", "aws")); err == nil {
			return m
		}
	}
	return ""
}

const config = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    ec2 = "%s"
  }
}

resource "aws_vpc_ipam" "main" {
  description = "terraform"
  operating_regions {
    region_name = "us-east-1"
  }
}

resource "aws_vpc_ipam_pool" "top" {
  address_family                    = "ipv4"
  ipam_scope_id                     = aws_vpc_ipam.main.private_default_scope_id
  locale                            = "us-east-1"
  allocation_default_netmask_length = 20
}

resource "aws_vpc_ipam_pool_cidr" "top" {
  ipam_pool_id = aws_vpc_ipam_pool.top.id
  cidr         = "10.0.0.0/16"
}

resource "aws_vpc" "a" {
  ipv4_ipam_pool_id   = aws_vpc_ipam_pool.top.id
  ipv4_netmask_length = 24
  tags                = { Name = "a" }
  depends_on          = [aws_vpc_ipam_pool_cidr.top]
}

resource "aws_vpc" "b" {
  ipv4_ipam_pool_id    = aws_vpc_ipam_pool.top.id
  enable_dns_hostnames = true
  depends_on           = [aws_vpc_ipam_pool_cidr.top, aws_vpc.a]
}

resource "aws_vpc_ipv4_cidr_block_association" "a2" {
  vpc_id              = aws_vpc.a.id
  ipv4_ipam_pool_id   = aws_vpc_ipam_pool.top.id
  ipv4_netmask_length = 24
}

resource "aws_subnet" "a1" {
  vpc_id     = aws_vpc.a.id
  cidr_block = cidrsubnet(aws_vpc.a.cidr_block, 2, 0)
}

resource "aws_subnet" "b1" {
  vpc_id                  = aws_vpc.b.id
  cidr_block              = cidrsubnet(aws_vpc.b.cidr_block, 4, 1)
  availability_zone       = "us-east-1b"
  map_public_ip_on_launch = true
  tags                    = { Name = "b1" }
}

output "pool" { value = aws_vpc_ipam_pool.top.id }
output "a"    { value = aws_vpc.a.cidr_block }
output "b"    { value = aws_vpc.b.cidr_block }
output "a2"   { value = aws_vpc_ipv4_cidr_block_association.a2.cidr_block }
output "a1"   { value = aws_subnet.a1.cidr_block }
output "b1"   { value = aws_subnet.b1.cidr_block }
output "vpc_a" { value = aws_vpc.a.id }
`

func TestTerraformVpcsFromPool(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not installed: the Terraform AWS provider test needs it on PATH")
	}
	mirror := findMirror()
	if mirror == "" {
		t.Skip("no filesystem mirror with the AWS provider 5.100.0 (set IPAMD_TF_MIRROR): terraform would need the network")
	}
	srv := testserver.Start(t, testserver.Options{})
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	write(t, rc, fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`, mirror))
	write(t, filepath.Join(dir, "main.tf"), fmt.Sprintf(config, srv.URL))
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TF_DATA_DIR="+filepath.Join(dir, ".terraform"))
	run := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String(), code
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, code := run(args...)
		if code != 0 {
			t.Fatalf("terraform %s exited %d:\n%s\n---- ipamd log ----\n%s", strings.Join(args, " "), code, out, tail(srv.Logs(), 40))
		}
		return out
	}

	mustRun("init", "-input=false", "-no-color")
	mustRun("apply", "-input=false", "-auto-approve", "-no-color")
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			run("destroy", "-input=false", "-auto-approve", "-no-color")
		}
	})

	var outs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(mustRun("output", "-json")), &outs); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range outs {
		got[k] = v.Value
	}
	want := map[string]string{"a": "10.0.0.0/24", "b": "10.0.16.0/20", "a2": "10.0.1.0/24", "a1": "10.0.0.0/26", "b1": "10.0.17.0/24"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("output %s = %q, want %q", k, got[k], w)
		}
	}
	c := srv.Client()
	allocs, err := c.GetIpamPoolAllocations(context.Background(), &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(got["pool"])})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range allocs.IpamPoolAllocations {
		kinds = append(kinds, *a.Cidr+" "+string(a.ResourceType))
	}
	if strings.Join(kinds, ",") != "10.0.0.0/24 vpc,10.0.1.0/24 vpc,10.0.16.0/20 vpc" {
		t.Errorf("pool allocations after apply: %q", kinds)
	}

	if out, code := run("plan", "-input=false", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Fatalf("plan after apply is not empty (exit %d):\n%s", code, out)
	}

	start := time.Now()
	mustRun("destroy", "-input=false", "-auto-approve", "-no-color")
	destroyed = true
	t.Logf("terraform destroy took %v", time.Since(start).Round(time.Millisecond))
	if os.Getenv("IPAMD_TF_DEBUG") != "" {
		t.Log(srv.Logs())
	}
	vpcs, err := c.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vpcs.Vpcs) != 0 {
		t.Fatalf("%d VPCs left after destroy", len(vpcs.Vpcs))
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
