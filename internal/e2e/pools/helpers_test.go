// Package pools proves pools, pool CIDRs and allocations end to end: a real
// ipamd (SigV4, EC2 Query codec, service, SQLite) driven by the
// aws-sdk-go-v2 EC2 client exactly as a user would drive AWS.
package pools

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/testserver"
)

// account is the development account the test credentials belong to.
const account = "000000000000"

var (
	ctx = context.Background()

	poolIDRE     = regexp.MustCompile(`^ipam-pool-0[0-9a-f]{16}$`)
	allocIDRE    = regexp.MustCompile(`^ipam-pool-alloc-0[0-9a-f]{32}$`)
	poolCidrIDRE = regexp.MustCompile(`^ipam-pool-cidr-0[0-9a-f]{32}$`)
)

// env is a running server with one IPAM operating in us-east-1 (home) and
// us-west-2.
type env struct {
	t    *testing.T
	srv  *testserver.Server
	c    *ec2.Client
	ipam string
	pub  string // public default scope
	priv string // private default scope
}

func newEnv(t *testing.T) *env { return newEnvOpts(t, testserver.Options{}) }

// limits returns AWS's default quotas with change applied: a partly
// filled Limits would zero the others.
func limits(change func(*ipam.Limits)) ipam.Limits {
	l := ipam.DefaultLimits()
	change(&l)
	return l
}

func newEnvOpts(t *testing.T, opts testserver.Options) *env {
	t.Helper()
	srv := testserver.Start(t, opts)
	e := &env{t: t, srv: srv, c: client(srv, "test", "test")}
	out, err := e.c.CreateIpam(ctx, &ec2.CreateIpamInput{
		OperatingRegions: []types.AddIpamOperatingRegion{{RegionName: aws.String("us-west-2")}},
	})
	if err != nil {
		t.Fatalf("CreateIpam: %v", err)
	}
	e.ipam = *out.Ipam.IpamId
	e.pub = *out.Ipam.PublicDefaultScopeId
	e.priv = *out.Ipam.PrivateDefaultScopeId
	return e
}

// restart restarts the server on the same data and points the client at it.
func (e *env) restart() {
	e.t.Helper()
	e.srv.Restart(e.t)
	e.c = client(e.srv, "test", "test")
}

func client(srv *testserver.Server, akid, secret string) *ec2.Client {
	return srv.ClientFor(akid, secret)
}

// pool creates a private-scope IPv4 pool (unless mods say otherwise).
func (e *env) pool(mods ...func(*ec2.CreateIpamPoolInput)) string {
	e.t.Helper()
	return *e.createPool(mods...).IpamPoolId
}

func (e *env) createPool(mods ...func(*ec2.CreateIpamPoolInput)) *types.IpamPool {
	e.t.Helper()
	in := &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4}
	for _, m := range mods {
		m(in)
	}
	out, err := e.c.CreateIpamPool(ctx, in)
	if err != nil {
		e.t.Fatalf("CreateIpamPool: %v", err)
	}
	return out.IpamPool
}

func source(id string) func(*ec2.CreateIpamPoolInput) {
	return func(in *ec2.CreateIpamPoolInput) { in.SourceIpamPoolId = aws.String(id) }
}

func locale(l string) func(*ec2.CreateIpamPoolInput) {
	return func(in *ec2.CreateIpamPoolInput) { in.Locale = aws.String(l) }
}

func family6(in *ec2.CreateIpamPoolInput) { in.AddressFamily = types.AddressFamilyIpv6 }

func inScope(id string) func(*ec2.CreateIpamPoolInput) {
	return func(in *ec2.CreateIpamPoolInput) { in.IpamScopeId = aws.String(id) }
}

func describe(d string) func(*ec2.CreateIpamPoolInput) {
	return func(in *ec2.CreateIpamPoolInput) { in.Description = aws.String(d) }
}

// provision provisions cidr to pool and returns the pool CIDR id.
func (e *env) provision(pool, cidr string) string {
	e.t.Helper()
	out, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(pool), Cidr: aws.String(cidr)})
	if err != nil {
		e.t.Fatalf("ProvisionIpamPoolCidr %s %s: %v", pool, cidr, err)
	}
	return *out.IpamPoolCidr.IpamPoolCidrId
}

// alloc allocates a block of bits from pool.
func (e *env) alloc(pool string, bits int32) types.IpamPoolAllocation {
	e.t.Helper()
	out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(pool), NetmaskLength: aws.Int32(bits)})
	if err != nil {
		e.t.Fatalf("AllocateIpamPoolCidr /%d from %s: %v", bits, pool, err)
	}
	return *out.IpamPoolAllocation
}

// allocCidr allocates exactly cidr from pool.
func (e *env) allocCidr(pool, cidr string) types.IpamPoolAllocation {
	e.t.Helper()
	out, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(pool), Cidr: aws.String(cidr)})
	if err != nil {
		e.t.Fatalf("AllocateIpamPoolCidr %s from %s: %v", cidr, pool, err)
	}
	return *out.IpamPoolAllocation
}

// allocations lists every allocation of pool matching filters, following
// NextToken with the SDK paginator.
func (e *env) allocations(pool string, filters ...types.Filter) []types.IpamPoolAllocation {
	e.t.Helper()
	p := ec2.NewGetIpamPoolAllocationsPaginator(e.c, &ec2.GetIpamPoolAllocationsInput{
		IpamPoolId: aws.String(pool), Filters: filters,
	}, func(o *ec2.GetIpamPoolAllocationsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var all []types.IpamPoolAllocation
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			e.t.Fatalf("GetIpamPoolAllocations %s: %v", pool, err)
		}
		all = append(all, page.IpamPoolAllocations...)
	}
	return all
}

// poolCidrs lists pool's CIDRs as "cidr=state".
func (e *env) poolCidrs(pool string, filters ...types.Filter) []string {
	e.t.Helper()
	out, err := e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(pool), Filters: filters})
	if err != nil {
		e.t.Fatalf("GetIpamPoolCidrs %s: %v", pool, err)
	}
	var s []string
	for _, c := range out.IpamPoolCidrs {
		s = append(s, aws.ToString(c.Cidr)+"="+string(c.State))
	}
	return s
}

// describePool returns pool as DescribeIpamPools reports it.
func (e *env) describePool(id string) types.IpamPool {
	e.t.Helper()
	out, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{IpamPoolIds: []string{id}})
	if err != nil {
		e.t.Fatalf("DescribeIpamPools %s: %v", id, err)
	}
	if len(out.IpamPools) != 1 {
		e.t.Fatalf("DescribeIpamPools %s: %d pools", id, len(out.IpamPools))
	}
	return out.IpamPools[0]
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// cidrsOf returns the CIDRs of allocations, in the order given.
func cidrsOf(as []types.IpamPoolAllocation) []string {
	var s []string
	for _, a := range as {
		s = append(s, aws.ToString(a.Cidr))
	}
	return s
}

func idsOf(as []types.IpamPoolAllocation) []string {
	var s []string
	for _, a := range as {
		s = append(s, aws.ToString(a.IpamPoolAllocationId))
	}
	return s
}

// wantErr asserts err is the EC2 error code with HTTP 400 and returns its
// message.
func wantErr(t *testing.T, err error, code string) string {
	t.Helper()
	return wantErrStatus(t, err, code, 400)
}

func wantErrStatus(t *testing.T, err error, code string, status int) string {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s (HTTP %d)", code, status)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%s: no HTTP response in %v", code, err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP %d, want %d", code, re.HTTPStatusCode(), status)
	}
	return ae.ErrorMessage()
}

// wantDryRun asserts the DryRunOperation answer AWS gives a valid request.
func wantDryRun(t *testing.T, err error) {
	t.Helper()
	msg := wantErrStatus(t, err, "DryRunOperation", 412)
	if msg != "Request would have succeeded, but DryRun flag is set." {
		t.Fatalf("DryRun message %q", msg)
	}
}

func wantContains(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Fatalf("message %q does not contain %q", msg, p)
		}
	}
}

func wantStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tagsOf(ts []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	ts := types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		ts.Tags = append(ts.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{ts}
}
