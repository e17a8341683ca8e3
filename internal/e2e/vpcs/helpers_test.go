// Package vpcs proves VPCs and subnets end to end: a real ipamd driven by
// the aws-sdk-go-v2 EC2 client, VPCs and subnets taking their CIDRs from
// IPAM pools and giving them back at once.
package vpcs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/testserver"
)

const account = "000000000000"

var (
	ctx     = context.Background()
	wantErr = testserver.WantErr
	must    = testserver.Must

	vpcIDRE    = regexp.MustCompile(`^vpc-0[0-9a-f]{16}$`)
	subnetIDRE = regexp.MustCompile(`^subnet-0[0-9a-f]{16}$`)
	assocIDRE  = regexp.MustCompile(`^vpc-cidr-assoc-0[0-9a-f]{16}$`)
)

// env is a running server with one IPAM operating in us-east-1 (the
// server's Region) and us-west-2.
type env struct {
	t    *testing.T
	srv  *testserver.Server
	c    *ec2.Client
	priv string
	pub  string
}

func newEnv(t *testing.T, opts testserver.Options) *env {
	t.Helper()
	srv := testserver.Start(t, opts)
	e := &env{t: t, srv: srv, c: srv.Client()}
	// An InternalError says nothing on the wire; the server's log says why
	// (at WARN or ERROR: the INFO lines are every request and its audit).
	t.Cleanup(func() {
		if t.Failed() {
			var b strings.Builder
			for line := range strings.Lines(srv.Logs()) {
				if !strings.Contains(line, " level=INFO ") {
					b.WriteString(line)
				}
			}
			t.Logf("---- ipamd log, above INFO ----\n%s", b.String())
		}
	})
	out, err := e.c.CreateIpam(ctx, &ec2.CreateIpamInput{
		OperatingRegions: []types.AddIpamOperatingRegion{{RegionName: aws.String("us-east-1")}, {RegionName: aws.String("us-west-2")}},
	})
	must(t, err)
	e.priv, e.pub = *out.Ipam.PrivateDefaultScopeId, *out.Ipam.PublicDefaultScopeId
	return e
}

// pool creates a provisioned pool in the private scope with locale
// us-east-1 unless mods say otherwise.
func (e *env) pool(cidr string, mods ...func(*ec2.CreateIpamPoolInput)) string {
	e.t.Helper()
	in := &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4, Locale: aws.String("us-east-1")}
	for _, m := range mods {
		m(in)
	}
	out, err := e.c.CreateIpamPool(ctx, in)
	must(e.t, err)
	id := *out.IpamPool.IpamPoolId
	if cidr != "" {
		_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String(cidr)})
		must(e.t, err)
	}
	return id
}

func defaultNetmask(n int32) func(*ec2.CreateIpamPoolInput) {
	return func(in *ec2.CreateIpamPoolInput) { in.AllocationDefaultNetmaskLength = aws.Int32(n) }
}

// vpcFrom creates a VPC from pool with netmask bits (0: the pool default).
func (e *env) vpcFrom(pool string, bits int32) *types.Vpc {
	e.t.Helper()
	in := &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(pool)}
	if bits != 0 {
		in.Ipv4NetmaskLength = aws.Int32(bits)
	}
	out, err := e.c.CreateVpc(ctx, in)
	must(e.t, err)
	return out.Vpc
}

func (e *env) vpc(cidr string) *types.Vpc {
	e.t.Helper()
	out, err := e.c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	must(e.t, err)
	return out.Vpc
}

func (e *env) subnet(vpc, cidr string) *types.Subnet {
	e.t.Helper()
	out, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr)})
	must(e.t, err)
	return out.Subnet
}

// allocations lists pool's allocations as "cidr type id" strings.
func (e *env) allocations(pool string) []string {
	e.t.Helper()
	out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool)})
	must(e.t, err)
	var got []string
	for _, a := range out.IpamPoolAllocations {
		got = append(got, aws.ToString(a.Cidr)+" "+string(a.ResourceType)+" "+aws.ToString(a.ResourceId))
	}
	return got
}

func (e *env) describeVpc(id string) types.Vpc {
	e.t.Helper()
	out, err := e.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	must(e.t, err)
	if len(out.Vpcs) != 1 {
		e.t.Fatalf("DescribeVpcs %s: %d vpcs", id, len(out.Vpcs))
	}
	return out.Vpcs[0]
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func wantStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func cidrsOf(v types.Vpc) []string {
	var out []string
	for _, a := range v.CidrBlockAssociationSet {
		out = append(out, aws.ToString(a.CidrBlock))
	}
	for _, a := range v.Ipv6CidrBlockAssociationSet {
		out = append(out, aws.ToString(a.Ipv6CidrBlock))
	}
	return out
}

// codeOf is the EC2 error code of err, or "".
func codeOf(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func sprintf(f string, args ...any) string { return fmt.Sprintf(f, args...) }
