package api

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// Issue 12's read targets, served through the whole handler (signature,
// decoding, service, SQLite store, XML) on a store filled directly:
//
//	go test ./internal/api -run '^$' -bench 'IpamResourceCidrs|IpamAddressHistory' -benchtime 200x

const (
	benchVPCs           = 10_000
	benchSubnetsPerVPC  = 10
	benchHistoryRecords = 1_000_000
)

// monitorHandler is a handler on a SQLite store with one IPAM and what
// fill writes straight into the store, in transactions of a bounded size.
func monitorHandler(b *testing.B, fill func(scope string, put func(func(tx ipam.Tx) error))) (*Handler, string) {
	st, svc, im := monitoredService(b)
	ctx := context.Background()
	var pending []func(tx ipam.Tx) error
	flush := func() {
		err := st.Update(ctx, func(tx ipam.Tx) error {
			for _, f := range pending {
				if err := f(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		pending = pending[:0]
	}
	fill(im.PrivateDefaultScopeID, func(f func(tx ipam.Tx) error) {
		if pending = append(pending, f); len(pending) == 20_000 {
			flush()
		}
	})
	flush()
	return New(Config{Service: svc, Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}}), im.PrivateDefaultScopeID
}

// monitoredService is a service on a fresh SQLite store whose account has
// one IPAM (so every VPC and subnet is monitored).
func monitoredService(b *testing.B) (*sqlite.Store, *ipam.Service, *ipam.IPAM) {
	st, err := sqlite.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := ipam.NewService(st, ipam.Config{})
	im, err := svc.CreateIpam(context.Background(), benchCaller, ipam.CreateIpamInput{})
	if err != nil {
		b.Fatal(err)
	}
	return st, svc, im
}

var benchCaller = ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}

func prefix4(n uint32, bits int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), bits)
}

// BenchmarkGetIpamResourceCidrs: 10,000 VPC blocks (/23) and 100,000
// subnet blocks (/28) in one scope; the first 1,000-item page, and a page
// filtered by vpc-id.
func BenchmarkGetIpamResourceCidrs(b *testing.B) {
	h, scope := monitorHandler(b, func(scope string, put func(func(tx ipam.Tx) error)) {
		since := time.Now()
		for v := range benchVPCs {
			vpc := fmt.Sprintf("vpc-0%016x", v)
			base := uint32(10)<<24 | uint32(v)<<9
			row := func(id, typ string, p netip.Prefix, covered float64) *ipam.ResourceCIDR {
				return &ipam.ResourceCIDR{IpamID: "ipam-1", ScopeID: scope, OwnerID: "000000000000", Region: "us-east-1",
					ResourceType: typ, ResourceID: id, VpcID: vpc, Name: id, CIDR: p, PoolID: "ipam-pool-0",
					Tags: []ipam.Tag{{Key: "Name", Value: id}}, Management: ipam.Managed, Compliance: ipam.Compliant,
					Covered: covered, HistoryID: "h-" + id, Since: since}
			}
			rows := []*ipam.ResourceCIDR{row(vpc, ipam.ResourceVPC, prefix4(base, 23), 160)}
			for s := range benchSubnetsPerVPC {
				rows = append(rows, row(fmt.Sprintf("subnet-0%08x%08x", v, s), ipam.ResourceSubnet, prefix4(base+uint32(s)<<4, 28), 0))
			}
			put(func(tx ipam.Tx) error {
				for _, r := range rows {
					if err := tx.PutResourceCIDR(r); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
	b.Run("first page 1000", func(b *testing.B) {
		benchServe(b, h, url.Values{"Action": {"GetIpamResourceCidrs"}, "IpamScopeId": {scope}, "MaxResults": {"1000"}})
	})
	b.Run("vpc-id filter", func(b *testing.B) {
		benchServe(b, h, url.Values{"Action": {"GetIpamResourceCidrs"}, "IpamScopeId": {scope},
			"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {fmt.Sprintf("vpc-0%016x", benchVPCs/2)}})
	})
}

// BenchmarkGetIpamAddressHistory: 1,000,000 history records, ten for each
// of 100,000 CIDRs; the history of one CIDR over all time.
func BenchmarkGetIpamAddressHistory(b *testing.B) {
	const perCIDR = 10
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	h, scope := monitorHandler(b, func(scope string, put func(func(tx ipam.Tx) error)) {
		for i := range benchHistoryRecords {
			c, k := i%(benchHistoryRecords/perCIDR), i/(benchHistoryRecords/perCIDR)
			start := t0.Add(time.Duration(k) * 24 * time.Hour)
			r := &ipam.HistoryRecord{ID: fmt.Sprintf("%016x%016x", start.UnixNano(), i), IpamID: "ipam-1", ScopeID: scope,
				OwnerID: "000000000000", Region: "us-east-1", ResourceType: ipam.ResourceVPC,
				ResourceID: fmt.Sprintf("vpc-0%016x", i), VpcID: fmt.Sprintf("vpc-0%016x", i), Name: "n",
				CIDR: prefix4(uint32(10)<<24|uint32(c)<<8, 24), Compliance: ipam.Unmanaged, Overlap: ipam.Nonoverlapping,
				Start: start, End: start.Add(12 * time.Hour)}
			put(func(tx ipam.Tx) error { return tx.InsertHistory(r) })
		}
	})
	cidr := prefix4(uint32(10)<<24|uint32(benchHistoryRecords/perCIDR/2)<<8, 24).String()
	benchServe(b, h, url.Values{"Action": {"GetIpamAddressHistory"}, "IpamScopeId": {scope}, "Cidr": {cidr},
		"StartTime": {"2023-01-01T00:00:00Z"}})
}

// BenchmarkCreateVpcFromPool: CreateVpc from a pool, one call at a time, with
// an IPAM monitoring the VPCs: what monitoring adds to each write.
func BenchmarkCreateVpcFromPool(b *testing.B) {
	_, svc, im := monitoredService(b)
	ctx, c := context.Background(), benchCaller
	loc := "us-east-1"
	p, err := svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: im.PrivateDefaultScopeID, AddressFamily: "ipv4", Locale: &loc})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: p.ID, CIDR: "10.0.0.0/8"}); err != nil {
		b.Fatal(err)
	}
	h := New(Config{Service: svc, Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}})
	benchServe(b, h, url.Values{"Action": {"CreateVpc"}, "Ipv4IpamPoolId": {p.ID}, "Ipv4NetmaskLength": {"24"}})
}

// BenchmarkCreateSubnetFromPlanningPool: CreateSubnet (/28) from a VPC's
// resource planning pool, one call at a time, with an IPAM monitoring it.
func BenchmarkCreateSubnetFromPlanningPool(b *testing.B) {
	_, svc, im := monitoredService(b)
	ctx, c := context.Background(), benchCaller
	cidr := "10.0.0.0/16"
	v, err := svc.CreateVpc(ctx, c, ipam.CreateVpcInput{VpcCidrParams: ipam.VpcCidrParams{CidrBlock: cidr}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: im.PrivateDefaultScopeID, AddressFamily: "ipv4",
		SourceResource: &ipam.SourceResource{ResourceID: v.ID, ResourceType: "vpc", ResourceRegion: "us-east-1", ResourceOwner: c.AccountID}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: p.ID, CIDR: cidr}); err != nil {
		b.Fatal(err)
	}
	h := New(Config{Service: svc, Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}})
	benchServe(b, h, url.Values{"Action": {"CreateSubnet"}, "VpcId": {v.ID}, "Ipv4IpamPoolId": {p.ID}, "Ipv4NetmaskLength": {"28"}})
}
