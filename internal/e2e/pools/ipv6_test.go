package pools

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestIPv6PrivateScopeULA(t *testing.T) {
	e := newEnv(t)
	p := e.pool(family6)
	e.provision(p, "fd12:3456:789a::/48")
	var got []string
	for range 3 {
		got = append(got, aws.ToString(e.alloc(p, 64).Cidr))
	}
	wantStrings(t, "/64s from a /48", got, "fd12:3456:789a::/64", "fd12:3456:789a:1::/64", "fd12:3456:789a:2::/64")
	if c := aws.ToString(e.allocCidr(p, "fd12:3456:789a:ff00::/56").Cidr); c != "fd12:3456:789a:ff00::/56" {
		t.Fatalf("explicit /56 %s", c)
	}
	// The /64 after the explicit block skips nothing below it.
	if c := aws.ToString(e.alloc(p, 64).Cidr); c != "fd12:3456:789a:3::/64" {
		t.Fatalf("fourth /64 %s", c)
	}
	for _, c := range []struct {
		in   ec2.AllocateIpamPoolCidrInput
		code string
	}{
		{ec2.AllocateIpamPoolCidrInput{NetmaskLength: aws.Int32(129)}, "InvalidParameterValue"},
		{ec2.AllocateIpamPoolCidrInput{NetmaskLength: aws.Int32(47)}, "InvalidParameterValue"},
		{ec2.AllocateIpamPoolCidrInput{Cidr: aws.String("fd12:3456:789a::1/64")}, "InvalidParameterValue"},
		{ec2.AllocateIpamPoolCidrInput{Cidr: aws.String("fd12:3456:789a::/64")}, "InvalidParameterValue"},
		{ec2.AllocateIpamPoolCidrInput{Cidr: aws.String("10.0.0.0/24")}, "InvalidParameterValue"},
	} {
		in := c.in
		in.IpamPoolId = aws.String(p)
		_, err := e.c.AllocateIpamPoolCidr(ctx, &in)
		wantErr(t, err, c.code)
	}
	// An exhausted IPv6 pool names its largest free block too.
	small := e.pool(family6)
	e.provision(small, "fd00:1::/120")
	e.alloc(small, 121)
	_, err := e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(small), NetmaskLength: aws.Int32(120)})
	if msg := wantErr(t, err, "InvalidParameterValue"); msg != "The allocation size is too big for the pool. The largest free block is /121." {
		t.Fatalf("message %q", msg)
	}
	// Nested IPv6: a child takes a /52 of the /48.
	child := e.pool(family6, source(p))
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), NetmaskLength: aws.Int32(52)})
	must(t, err)
	wantStrings(t, "child /52", e.poolCidrs(child), "fd12:3456:789a:1000::/52=provisioned")
}

func TestIPv6PrivateScopeGlobalSpace(t *testing.T) {
	e := newEnv(t)
	p := e.pool(family6)
	_, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(p), Cidr: aws.String("2001:db8::/48")})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "EnablePrivateGua")
	_, err = e.c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(e.ipam), EnablePrivateGua: aws.Bool(true)})
	must(t, err)
	e.provision(p, "2001:db8::/48")
	if c := aws.ToString(e.alloc(p, 64).Cidr); c != "2001:db8::/64" {
		t.Fatalf("GUA /64 %s", c)
	}
}

func TestIPv6PublicScopePool(t *testing.T) {
	e := newEnv(t)
	pub := e.createPool(family6, inScope(e.pub), locale("us-east-1"), func(in *ec2.CreateIpamPoolInput) {
		in.AwsService = types.IpamPoolAwsServiceEc2
		in.PubliclyAdvertisable = aws.Bool(false)
	})
	if pub.IpamScopeType != types.IpamScopeTypePublic || pub.AddressFamily != types.AddressFamilyIpv6 ||
		pub.PubliclyAdvertisable == nil || *pub.PubliclyAdvertisable || pub.PublicIpSource != types.IpamPoolPublicIpSourceByoip {
		t.Fatalf("public IPv6 pool %s %s %v %s", pub.IpamScopeType, pub.AddressFamily, pub.PubliclyAdvertisable, pub.PublicIpSource)
	}
	e.provision(*pub.IpamPoolId, "2001:db8:1000::/48")
	if c := aws.ToString(e.alloc(*pub.IpamPoolId, 56).Cidr); c != "2001:db8:1000::/56" {
		t.Fatalf("public /56 %s", c)
	}
	// The private scope is another address space: the same CIDR is fine
	// there (with GUA enabled).
	_, err := e.c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(e.ipam), EnablePrivateGua: aws.Bool(true)})
	must(t, err)
	e.provision(e.pool(family6), "2001:db8:1000::/48")
	// But not twice in the public scope.
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(e.pool(family6, inScope(e.pub))), Cidr: aws.String("2001:db8:1000:8000::/49")})
	wantErr(t, err, "InvalidParameterValue")
}
