// Package handlerfuzz holds FuzzHandler. It is a package of its own so the
// fuzzing build (which instruments every package it links) stays free of
// the aws-sdk-go-v2 EC2 client: the fixture is built with raw calls.
package handlerfuzz

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// inProcess is an http.RoundTripper that hands requests straight to a
// handler: the fuzzer pays for the handler, not for TCP.
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, r)
	return w.Result(), nil
}

// fuzzActions are the actions FuzzHandler picks from: every served one
// (the keys of fuzzSeeds), two unsupported ones and one that does not exist.
func fuzzActions() []string {
	acts := slices.Sorted(maps.Keys(fuzzSeeds))
	return append(acts, "GetIpamDiscoveredPublicAddresses", "AssociateIpamByoasn", "RunInstances")
}

// fuzzSeeds are plausible parameter sets; {I} {S} {P} {C} {6} {A} {T} {Q}
// {V} {L} {N} {D} {R} stand for the fixture's IPAM, extra scope, pool, child
// pool, IPv6 pool, allocation, private default scope, VPC pool, VPC,
// planning pool, subnet, resource discovery and its association.
var fuzzSeeds = map[string][]string{
	"CreateIpam":                  {"Description=x&OperatingRegion.1.RegionName=us-west-2", "DryRun=true", "TagSpecification.1.ResourceType=ipam&TagSpecification.1.Tag.1.Key=a"},
	"DescribeIpams":               {"IpamId.1={I}", "Filter.1.Name=tag:Name&Filter.1.Value.1=fix*", "MaxResults=5"},
	"ModifyIpam":                  {"IpamId={I}&Description=y", "IpamId={I}&AddOperatingRegion.1.RegionName=eu-west-1&Tier=free"},
	"DeleteIpam":                  {"IpamId={I}", "IpamId={I}&Cascade=true&DryRun=true"},
	"CreateIpamScope":             {"IpamId={I}&Description=s", "IpamId={I}&ExternalAuthorityConfiguration.Type=infoblox&ExternalAuthorityConfiguration.ExternalResourceIdentifier=x"},
	"DescribeIpamScopes":          {"IpamScopeId.1={S}", "Filter.1.Name=ipam-id&Filter.1.Value.1={I}"},
	"ModifyIpamScope":             {"IpamScopeId={S}&Description=z", "IpamScopeId={S}&RemoveExternalAuthorityConfiguration=true"},
	"DeleteIpamScope":             {"IpamScopeId={S}"},
	"CreateIpamPool":              {"IpamScopeId={T}&AddressFamily=ipv4&SourceIpamPoolId={P}&Locale=us-east-1", "IpamScopeId={S}&AddressFamily=ipv6&AllocationMinNetmaskLength=48&AllocationMaxNetmaskLength=64"},
	"DescribeIpamPools":           {"IpamPoolId.1={P}&IpamPoolId.2={C}", "Filter.1.Name=pool-depth&Filter.1.Value.1=2", "MaxResults=5&NextToken=x"},
	"ModifyIpamPool":              {"IpamPoolId={P}&AllocationDefaultNetmaskLength=24", "IpamPoolId={C}&AddAllocationResourceTag.1.Key=a&AddAllocationResourceTag.1.Value=b&ClearAllocationDefaultNetmaskLength=true"},
	"DeleteIpamPool":              {"IpamPoolId={C}", "IpamPoolId={P}&Cascade=true"},
	"ProvisionIpamPoolCidr":       {"IpamPoolId={P}&Cidr=10.1.0.0/16", "IpamPoolId={C}&NetmaskLength=24", "IpamPoolId={6}&Cidr=fd00:1::/48"},
	"DeprovisionIpamPoolCidr":     {"IpamPoolId={C}&Cidr=10.0.16.0/20", "IpamPoolId={P}&Cidr=10.0.0.0/16"},
	"GetIpamPoolCidrs":            {"IpamPoolId={P}&Filter.1.Name=cidr&Filter.1.Value.1=10.*"},
	"AllocateIpamPoolCidr":        {"IpamPoolId={P}&NetmaskLength=24&AllowedCidr.1=10.0.128.0/17", "IpamPoolId={P}&Cidr=10.0.5.0/24&Description=d", "IpamPoolId={6}&NetmaskLength=64&PreviewNextCidr=true", "IpamPoolId={C}&NetmaskLength=28&DisallowedCidr.1=10.0.16.0/28&ClientToken=tok"},
	"ReleaseIpamPoolAllocation":   {"IpamPoolId={P}&IpamPoolAllocationId={A}&Cidr=10.0.0.0/24"},
	"ModifyIpamPoolAllocation":    {"IpamPoolAllocationId={A}&Description=new"},
	"GetIpamPoolAllocations":      {"IpamPoolId={P}&IpamPoolAllocationId={A}", "IpamPoolId={P}&Filter.1.Name=resource-type&Filter.1.Value.1=ipam-pool&MaxResults=1000"},
	"DescribeIpamPoolAllocations": {"IpamPoolAllocationId.1={A}", "Filter.1.Name=ipam-pool-id&Filter.1.Value.1={P}"},
	"CreateTags":                  {"ResourceId.1={P}&ResourceId.2={A}&Tag.1.Key=k&Tag.1.Value=v"},
	"DeleteTags":                  {"ResourceId.1={P}&Tag.1.Key=env", "ResourceId.1={S}"},
	"DescribeTags":                {"Filter.1.Name=resource-type&Filter.1.Value.1=ipam-pool", "Filter.1.Name=key&Filter.1.Value.1=env&MaxResults=5"},
	"CreateVpc":                   {"Ipv4IpamPoolId={Q}&Ipv4NetmaskLength=24", "CidrBlock=10.1.0.0/16&Ipv6IpamPoolId={6}&Ipv6NetmaskLength=56", "CidrBlock=10.2.0.0/16&InstanceTenancy=dedicated&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=a"},
	"DescribeVpcs":                {"VpcId.1={V}", "Filter.1.Name=cidr-block-association.cidr-block&Filter.1.Value.1=172.*", "MaxResults=5"},
	"DeleteVpc":                   {"VpcId={V}", "VpcId={V}&DryRun=true"},
	"AssociateVpcCidrBlock":       {"VpcId={V}&Ipv4IpamPoolId={Q}&Ipv4NetmaskLength=24", "VpcId={V}&CidrBlock=10.3.0.0/16"},
	"DisassociateVpcCidrBlock":    {"AssociationId=vpc-cidr-assoc-0123456789abcdef0"},
	"DescribeVpcAttribute":        {"VpcId={V}&Attribute=enableDnsSupport"},
	"ModifyVpcAttribute":          {"VpcId={V}&EnableDnsHostnames.Value=true"},
	"CreateSubnet":                {"VpcId={V}&Ipv4IpamPoolId={L}&Ipv4NetmaskLength=26", "VpcId={V}&CidrBlock=172.16.9.0/24&AvailabilityZone=us-east-1b"},
	"DescribeSubnets":             {"SubnetId.1={N}", "Filter.1.Name=vpc-id&Filter.1.Value.1={V}&MaxResults=5"},
	"DeleteSubnet":                {"SubnetId={N}"},
	"ModifySubnetAttribute":       {"SubnetId={N}&MapPublicIpOnLaunch.Value=true"},
	"DescribeNetworkAcls":         {"Filter.1.Name=default&Filter.1.Value.1=true&Filter.2.Name=vpc-id&Filter.2.Value.1={V}"},
	"DescribeRouteTables":         {"Filter.1.Name=association.main&Filter.1.Value.1=true"},
	"DescribeSecurityGroups":      {"GroupName.1=default", "Filter.1.Name=vpc-id&Filter.1.Value.1={V}"},
	"DescribeNetworkInterfaces":   {"Filter.1.Name=subnet-id&Filter.1.Value.1={N}"},
	"DescribeVpcEndpoints":        {"Filter.1.Name=vpc-id&Filter.1.Value.1={V}"},
	"DescribeAvailabilityZones":   {"ZoneName.1=us-east-1a", "Filter.1.Name=zone-id&Filter.1.Value.1=use1-*"},
	"GetIpamResourceCidrs": {"IpamScopeId={T}&MaxResults=5", "IpamScopeId={T}&IpamPoolId={Q}&ResourceType=vpc&ResourceTag.Key=env",
		"IpamScopeId={T}&Filter.1.Name=overlap-status&Filter.1.Value.1=overlapping&Filter.2.Name=vpc-id&Filter.2.Value.1={V}&ResourceOwner=000000000000"},
	"ModifyIpamResourceCidr": {"ResourceId={V}&ResourceCidr=172.16.0.0/20&ResourceRegion=us-east-1&CurrentIpamScopeId={T}&Monitored=false",
		"ResourceId={N}&ResourceCidr=172.16.0.0/24&ResourceRegion=us-east-1&CurrentIpamScopeId={T}&DestinationIpamScopeId={S}&Monitored=true"},
	"GetIpamAddressHistory": {"IpamScopeId={T}&Cidr=172.16.0.0/20", "IpamScopeId={T}&Cidr=172.16.0.0/24&VpcId={V}&StartTime=2020-01-01T00:00:00Z&EndTime=3000-01-01T00:00:00.5Z&MaxResults=1",
		"IpamScopeId={T}&Cidr=172.16.0.0/20&StartTime=1700000000.25&NextToken=x"},
	"DescribeIpamResourceDiscoveries":           {"IpamResourceDiscoveryId.1={D}", "Filter.1.Name=operating-region.region-name&Filter.1.Value.1=us-*&MaxResults=5"},
	"DescribeIpamResourceDiscoveryAssociations": {"IpamResourceDiscoveryAssociationId.1={R}", "Filter.1.Name=ipam-id&Filter.1.Value.1={I}"},
	"GetIpamDiscoveredResourceCidrs":            {"IpamResourceDiscoveryId={D}&ResourceRegion=us-east-1&MaxResults=5", "IpamResourceDiscoveryId={D}&ResourceRegion=us-east-1&Filter.1.Name=vpc-id&Filter.1.Value.1={V}&Filter.2.Name=resource-type&Filter.2.Value.1=subnet"},
	"GetIpamDiscoveredAccounts":                 {"IpamResourceDiscoveryId={D}&DiscoveryRegion=us-west-2", "IpamResourceDiscoveryId={D}&DiscoveryRegion=us-east-1&Filter.1.Name=account-id&Filter.1.Value.1=0*"},
}

type fuzzWorld struct {
	raw *ec2raw.Client
	f   *ec2raw.World
	// last is the state after the last accepted request.
	last string
}

func (w *fuzzWorld) vars() *strings.Replacer {
	f := w.f
	return strings.NewReplacer("{I}", f.IPAM, "{S}", f.Scope2, "{P}", f.Pool, "{C}", f.Child,
		"{6}", f.Pool6, "{A}", f.Alloc, "{T}", f.PrivScope, "{Q}", f.VpcPool, "{V}", f.Vpc, "{L}", f.PlanPool, "{N}", f.Subnet, "{D}", f.Disco, "{R}", f.DiscoAssoc)
}

// FuzzHandler drives the whole API handler with properly signed requests:
// a random action among the known ones and random parameters. Every answer
// must be well-formed EC2 XML (success or error envelope), never a 5xx,
// and a rejected request must leave every visible object as it was.
func FuzzHandler(f *testing.F) {
	acts := fuzzActions()
	for i, a := range acts {
		for _, s := range fuzzSeeds[a] {
			f.Add(uint8(i), s)
		}
		f.Add(uint8(i), "")
	}
	// A single store and handler per fuzzing process.
	st, err := sqlite.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	h := api.New(api.Config{Service: ipam.NewService(st, ipam.Config{}), Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}})
	w := &fuzzWorld{}
	w.raw = &ec2raw.Client{URL: "http://ipamd.invalid", AccessKey: "test", Secret: "test", HTTP: &http.Client{Transport: inProcess{h}}}

	f.Fuzz(func(t *testing.T, action uint8, params string) {
		if w.f == nil || !strings.Contains(w.last, w.f.IPAM) {
			// First run, or the fuzzer deleted the fixture: build it (again).
			w.f = buildFixtureIn(t, w)
			w.last = snapshot(t, w.raw, w.f.Pools, nil)
		}
		act := acts[int(action)%len(acts)]
		body := "Action=" + act + "&Version=2016-11-15"
		if params != "" {
			body += "&" + w.vars().Replace(params)
		}
		resp, err := w.raw.Post(body)
		if resp == nil {
			t.Fatalf("%s: no answer: %v", body, err)
		}
		if resp.Status >= 500 {
			t.Fatalf("%s: %d %s", ec2raw.Clip(body, 300), resp.Status, resp.Body)
		}
		if err != nil {
			t.Fatalf("%s: %v", ec2raw.Clip(body, 300), err)
		}
		if resp.Status == http.StatusOK {
			if resp.Envelope.Root != act+"Response" {
				t.Fatalf("%s: success root %q", ec2raw.Clip(body, 300), resp.Envelope.Root)
			}
			w.last = snapshot(t, w.raw, w.f.Pools, nil)
			return
		}
		if !resp.Envelope.IsError() {
			t.Fatalf("%s: status %d without an error envelope", ec2raw.Clip(body, 300), resp.Status)
		}
		if len(resp.Body) > 2048 {
			t.Fatalf("%s: error body of %d bytes echoes input unbounded", ec2raw.Clip(body, 300), len(resp.Body))
		}
		if now := snapshot(t, w.raw, w.f.Pools, nil); now != w.last {
			t.Fatalf("%s: rejected with %s but state changed:\n%s", ec2raw.Clip(body, 300), resp.Envelope.Code, ec2raw.FirstDiff(w.last, now))
		}
	})
}

// buildFixtureIn clears what the account has (the fuzzer may have left an
// IPAM behind) and builds the world again.
func buildFixtureIn(t *testing.T, w *fuzzWorld) *ec2raw.World {
	t.Helper()
	body, err := w.raw.Must("DescribeIpams", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ipamIDRE.FindAllStringSubmatch(body, -1) {
		if _, err := w.raw.Must("DeleteIpam", map[string]string{"IpamId": m[1], "Cascade": "true"}); err != nil {
			t.Fatalf("clear %s: %v", m[1], err)
		}
	}
	world, err := ec2raw.BuildWorld(w.raw)
	if err != nil {
		t.Fatal(err)
	}
	return world
}

var ipamIDRE = regexp.MustCompile(`<ipamId>([^<]+)</ipamId>`)

func snapshot(t *testing.T, c *ec2raw.Client, cidrPools, allocPools []string) string {
	t.Helper()
	s, err := ec2raw.Snapshot(c, cidrPools, allocPools)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
