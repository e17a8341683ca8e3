package api

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// pageVPCs and pageSubnetsPerVPC size the store the VPC page benchmarks
// read: issue 11's scale, 10,000 VPCs and 100,000 subnets.
const (
	pageVPCs          = 10000
	pageSubnetsPerVPC = 10
)

// benchVPC and benchSubnet are shaped as CreateVpc and CreateSubnet from
// pools make them, with a Name tag each.
func benchVPC(i int) *ipam.VPC {
	id := fmt.Sprintf("vpc-%017x", uint64(i)*0x9e3779b97f4a7c15>>4)
	return &ipam.VPC{ID: id, OwnerID: "000000000000", Region: "us-east-1", State: ipam.VPCAvailable,
		InstanceTenancy: "default", DhcpOptionsID: "dopt-0123456789abcdef0",
		CIDRs: []ipam.VPCCIDR{{AssociationID: "vpc-cidr-assoc-" + id[4:], State: ipam.AssocAssociated,
			CIDR:   netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 7), byte(i << 1), 0}), 23),
			PoolID: "ipam-pool-0123456789abcdef0", AllocationID: "ipam-pool-alloc-" + id[4:]}},
		NetworkAclID: "acl-" + id[4:], RouteTableID: "rtb-" + id[4:], RouteTableAssocID: "rtbassoc-" + id[4:],
		SecurityGroupID: "sg-" + id[4:], EnableDNSSupport: true, Tags: []ipam.Tag{{Key: "Name", Value: "vpc-" + fmt.Sprint(i)}},
		BlockPublicAccessState: "off"}
}

func benchSubnet(v *ipam.VPC, j int) *ipam.Subnet {
	id := fmt.Sprintf("subnet-%017x", (uint64(j)+1<<32)*0x9e3779b97f4a7c15>>4)
	a := v.CIDRs[0].CIDR.Addr().As4()
	a[3] = byte(j << 4)
	return &ipam.Subnet{ID: id, OwnerID: v.OwnerID, VpcID: v.ID, Region: v.Region, State: ipam.SubnetAvailable,
		AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1", CIDR: netip.PrefixFrom(netip.AddrFrom4(a), 28),
		PoolID: "ipam-pool-0fedcba9876543210", AllocationID: "ipam-pool-alloc-" + id[7:],
		Attrs: ipam.SubnetAttrs{HostnameType: "ip-name"}, Tags: []ipam.Tag{{Key: "Name", Value: "subnet-" + fmt.Sprint(j)}}}
}

// vpcHandler is a handler whose SQLite store (in dir) holds pageVPCs VPCs
// with pageSubnetsPerVPC subnets each, written through the store.
func vpcHandler(b *testing.B, dir string) *Handler {
	st, err := sqlite.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	err = st.Update(context.Background(), func(tx ipam.Tx) error {
		n := 0
		for i := range pageVPCs {
			v := benchVPC(i)
			if err := tx.InsertVPC(v); err != nil {
				return err
			}
			for range pageSubnetsPerVPC {
				if err := tx.InsertSubnet(benchSubnet(v, n)); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return New(Config{Service: ipam.NewService(st, ipam.Config{}), Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}})
}

// cpuTime is the process's CPU time (user + system): per operation it stays
// meaningful on a shared machine, where ns/op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVPCPages serves 1,000-item DescribeVpcs and DescribeSubnets
// pages through the whole handler (signature, service, store, XML; the
// request is signed outside the timer but inside cpu-µs/op), and encodes
// 1,000-item pages both ways (hand-written, and encoding/xml as before).
// -short skips it.
func BenchmarkVPCPages(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a store of VPCs and subnets")
	}
	h := vpcHandler(b, b.TempDir())
	// The second page: a NextToken from the first, as a walk reads it.
	second := func(action string) url.Values {
		form := url.Values{"Action": {action}, "MaxResults": {"1000"}}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedRequest(b, form))
		var page struct {
			NextToken string `xml:"nextToken"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &page); err != nil || page.NextToken == "" {
			b.Fatalf("%s: no NextToken (%v): %.300s", action, err, w.Body.String())
		}
		return url.Values{"Action": {action}, "MaxResults": {"1000"}, "NextToken": {page.NextToken}}
	}
	for _, action := range []string{"DescribeVpcs", "DescribeSubnets"} {
		b.Run(action+"/page=1000", func(b *testing.B) {
			form := second(action)
			cpu := cpuTime()
			benchServe(b, h, form)
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
	vpcs := make([]*ipam.VPC, 1000)
	subnets := make([]*ipam.Subnet, 1000)
	for i := range vpcs {
		vpcs[i] = benchVPC(i)
		subnets[i] = benchSubnet(vpcs[i], i)
	}
	// The encoding/xml path includes the conversion to the wire structs, as
	// each request made it.
	for _, c := range []struct {
		name string
		v    func() any
	}{
		{"EncodeVpcs/hand-written", func() any { return &vpcsResponse{vpcs, "token"} }},
		{"EncodeVpcs/encoding-xml", func() any { return &reflectedVpcs{wireList(vpcs, wireVpc), "token"} }},
		{"EncodeSubnets/hand-written", func() any { return &subnetsResponse{subnets, "token"} }},
		{"EncodeSubnets/encoding-xml", func() any { return &reflectedSubnets{wireList(subnets, wireSubnet), "token"} }},
	} {
		b.Run(c.name+"/items=1000", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ec2query.MarshalResponse("DescribeVpcs", "req-1", c.v()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
