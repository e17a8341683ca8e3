package api

import (
	"io"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/ec2query"
)

// The audit record's ids and CIDRs come from parameters and response
// fields by name; tags, descriptions, filters, tokens and owners do not.
func TestAuditRefs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		params     url.Values
		body       any
		ids, cidrs []string
	}{
		{"allocation", url.Values{"Action": {"AllocateIpamPoolCidr"}, "IpamPoolId": {"ipam-pool-1"}, "NetmaskLength": {"24"},
			"DisallowedCidr.1": {"10.0.1.0/24"}, "Description": {"secret-ish"}, "ClientToken": {"tok"},
			"TagSpecification.1.Tag.1.Value": {"v"}},
			&allocationResponse{xmlAllocation{Cidr: "10.0.0.0/24", IpamPoolAllocationID: "ipam-pool-alloc-1", ResourceOwner: "000000000000",
				Description: "secret-ish", Tags: &ec2query.List[xmlTag]{{Key: "k", Value: "v"}}}},
			[]string{"ipam-pool-1", "ipam-pool-alloc-1"}, []string{"10.0.1.0/24", "10.0.0.0/24"}},
		{"tags on many resources", url.Values{"ResourceId.1": {"ipam-pool-1"}, "ResourceId.2": {"ipam-scope-2"}, "Tag.1.Key": {"k"}},
			&successResponse{true}, []string{"ipam-pool-1", "ipam-scope-2"}, nil},
		{"filters name what to match, not what changes", url.Values{"Filter.1.Name": {"ipam-pool-id"}, "Filter.1.Value.1": {"ipam-pool-9"}},
			nil, nil, nil},
		{"VPC-style names", url.Values{"VpcId": {"vpc-1"}, "CidrBlock": {"10.1.0.0/16"}, "Ipv6CidrBlock": {"2001:db8::/56"}},
			struct {
				OwnerID  string `xml:"ownerId"`
				SubnetID string `xml:"subnetId"`
			}{"000000000000", "subnet-1"},
			[]string{"vpc-1", "subnet-1"}, []string{"10.1.0.0/16", "2001:db8::/56"}},
	} {
		var r refs
		r.fromParams(tc.params)
		if tc.body != nil {
			r.fromBody(reflect.ValueOf(tc.body), 0)
		}
		if !slices.Equal(r.ids, tc.ids) || !slices.Equal(r.cidrs, tc.cidrs) {
			t.Errorf("%s: ids %q cidrs %q, want %q %q", tc.name, r.ids, r.cidrs, tc.ids, tc.cidrs)
		}
	}
}

// BenchmarkAuditRecord is what the audit trail adds to one mutating
// request: reading its ids and CIDRs and writing one JSON line.
func BenchmarkAuditRecord(b *testing.B) {
	h := &Handler{audit: audit.ToWriter(io.Discard, nil)}
	x := &exchange{id: "r", start: time.Now(), remote: "192.0.2.1", action: "AllocateIpamPoolCidr", account: "000000000000",
		accessKey: "AKID", values: url.Values{"Action": {"AllocateIpamPoolCidr"}, "Version": {APIVersion},
			"IpamPoolId": {"ipam-pool-0123456789abcdef0"}, "NetmaskLength": {"24"}, "ClientToken": {"tok"}},
		body: &allocationResponse{xmlAllocation{Cidr: "10.0.0.0/24", IpamPoolAllocationID: "ipam-pool-alloc-0123", ResourceType: "custom", ResourceOwner: "000000000000"}}}
	b.ReportAllocs()
	for b.Loop() {
		h.record(x, audit.Success)
	}
}
