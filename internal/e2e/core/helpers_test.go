// Package core holds end-to-end tests of the server skeleton: IPAMs and
// scopes through the real aws-sdk-go-v2 client, the EC2 Query wire protocol
// and SigV4 with raw HTTP, and durability across restarts and crashes.
package core

import (
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/testserver"
)

const account = "000000000000"

var (
	ipamIDRE   = regexp.MustCompile(`^ipam-0[0-9a-f]{16}$`)
	scopeIDRE  = regexp.MustCompile(`^ipam-scope-0[0-9a-f]{16}$`)
	discoIDRE  = regexp.MustCompile(`^ipam-res-disco-0[0-9a-f]{16}$`)
	assocIDRE  = regexp.MustCompile(`^ipam-res-disco-assoc-0[0-9a-f]{16}$`)
	requestIDR = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

var ctx = testserver.Ctx()

// newClient is the development account's client for an endpoint.
func newClient(url string) *ec2.Client { return testserver.ClientAt(url, "test", "test") }

// manyIpams is the default quotas except for IPAMs per Region, so one
// server can hold several IPAMs.
func manyIpams() testserver.Options {
	l := ipam.DefaultLimits()
	l.IpamsPerRegion = 20
	return testserver.Options{Limits: l}
}

// wantErr asserts err is the EC2 error code with the HTTP status.
func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s (%d)", code, status)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if ae.ErrorMessage() == "" {
		t.Errorf("%s has an empty message", code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%v carries no HTTP response", err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP status = %d, want %d", code, re.HTTPStatusCode(), status)
	}
	if !requestIDR.MatchString(re.ServiceRequestID()) {
		t.Errorf("%s: request id %q is not a UUID", code, re.ServiceRequestID())
	}
}

func wantDryRun(t *testing.T, err error) {
	t.Helper()
	wantErr(t, err, "DryRunOperation", 412)
	var ae smithy.APIError
	errors.As(err, &ae)
	if ae.ErrorMessage() != "Request would have succeeded, but DryRun flag is set." {
		t.Errorf("DryRun message = %q", ae.ErrorMessage())
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func createIpam(t *testing.T, c *ec2.Client, in *ec2.CreateIpamInput) types.Ipam {
	t.Helper()
	if in == nil {
		in = &ec2.CreateIpamInput{}
	}
	out, err := c.CreateIpam(ctx, in)
	if err != nil {
		t.Fatalf("CreateIpam: %v", err)
	}
	return *out.Ipam
}

func describeIpam(t *testing.T, c *ec2.Client, id string) types.Ipam {
	t.Helper()
	out, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeIpams %s: %v", id, err)
	}
	if len(out.Ipams) != 1 || aws.ToString(out.Ipams[0].IpamId) != id {
		t.Fatalf("DescribeIpams %s returned %d IPAMs", id, len(out.Ipams))
	}
	return out.Ipams[0]
}

func describeScope(t *testing.T, c *ec2.Client, id string) types.IpamScope {
	t.Helper()
	out, err := c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeIpamScopes %s: %v", id, err)
	}
	if len(out.IpamScopes) != 1 || aws.ToString(out.IpamScopes[0].IpamScopeId) != id {
		t.Fatalf("DescribeIpamScopes %s returned %d scopes", id, len(out.IpamScopes))
	}
	return out.IpamScopes[0]
}

func createScope(t *testing.T, c *ec2.Client, ipamID string, in *ec2.CreateIpamScopeInput) types.IpamScope {
	t.Helper()
	if in == nil {
		in = &ec2.CreateIpamScopeInput{}
	}
	in.IpamId = aws.String(ipamID)
	out, err := c.CreateIpamScope(ctx, in)
	if err != nil {
		t.Fatalf("CreateIpamScope: %v", err)
	}
	return *out.IpamScope
}

func ipamIDs(ipams []types.Ipam) []string {
	var ids []string
	for _, i := range ipams {
		ids = append(ids, aws.ToString(i.IpamId))
	}
	slices.Sort(ids)
	return ids
}

func scopeIDs(scopes []types.IpamScope) []string {
	var ids []string
	for _, s := range scopes {
		ids = append(ids, aws.ToString(s.IpamScopeId))
	}
	slices.Sort(ids)
	return ids
}

func regionNames(rs []types.IpamOperatingRegion) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, aws.ToString(r.RegionName))
	}
	return out
}

func addRegions(names ...string) []types.AddIpamOperatingRegion {
	var out []types.AddIpamOperatingRegion
	for _, n := range names {
		out = append(out, types.AddIpamOperatingRegion{RegionName: aws.String(n)})
	}
	return out
}

func removeRegions(names ...string) []types.RemoveIpamOperatingRegion {
	var out []types.RemoveIpamOperatingRegion
	for _, n := range names {
		out = append(out, types.RemoveIpamOperatingRegion{RegionName: aws.String(n)})
	}
	return out
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	ts := types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		ts.Tags = append(ts.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{ts}
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

var ec2CreateIpamDesc = ec2.CreateIpamInput{Description: aws.String("presigned")}
