package pools

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestCreateIpamPoolClientToken(t *testing.T) {
	e := newEnv(t)
	in := func(desc string) *ec2.CreateIpamPoolInput {
		return &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4,
			Description: aws.String(desc), ClientToken: aws.String("pool-token-1")}
	}
	first, err := e.c.CreateIpamPool(ctx, in("a"))
	must(t, err)
	again, err := e.c.CreateIpamPool(ctx, in("a"))
	must(t, err)
	if *first.IpamPool.IpamPoolId != *again.IpamPool.IpamPoolId {
		t.Fatalf("retry created %s after %s", *again.IpamPool.IpamPoolId, *first.IpamPool.IpamPoolId)
	}
	_, err = e.c.CreateIpamPool(ctx, in("b"))
	wantErr(t, err, "IdempotentParameterMismatch")
	// SDK-filled tokens differ per call: two calls, two pools.
	e.pool()
	e.pool()
	out, err := e.c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})
	must(t, err)
	if len(out.IpamPools) != 3 {
		t.Fatalf("%d pools, want 3", len(out.IpamPools))
	}
}

func TestProvisionClientToken(t *testing.T) {
	e := newEnv(t)
	p := e.pool()
	in := func(cidr string) *ec2.ProvisionIpamPoolCidrInput {
		return &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(p), Cidr: aws.String(cidr), ClientToken: aws.String("prov-1")}
	}
	first, err := e.c.ProvisionIpamPoolCidr(ctx, in("10.0.0.0/16"))
	must(t, err)
	// A retry answers the first result, although the CIDR now overlaps.
	again, err := e.c.ProvisionIpamPoolCidr(ctx, in("10.0.0.0/16"))
	must(t, err)
	if *first.IpamPoolCidr.IpamPoolCidrId != *again.IpamPoolCidr.IpamPoolCidrId {
		t.Fatal("retry provisioned again")
	}
	_, err = e.c.ProvisionIpamPoolCidr(ctx, in("10.1.0.0/16"))
	wantErr(t, err, "IdempotentParameterMismatch")
	wantStrings(t, "pool CIDRs", e.poolCidrs(p), "10.0.0.0/16=provisioned")
}

func TestAllocateClientToken(t *testing.T) {
	e := newEnv(t)
	p := e.pool()
	e.provision(p, "10.0.0.0/16")
	in := func(bits int32) *ec2.AllocateIpamPoolCidrInput {
		return &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p), NetmaskLength: aws.Int32(bits),
			Description: aws.String("app"), ClientToken: aws.String("alloc-token-1")}
	}
	// A DryRun does not consume the token.
	dry := in(24)
	dry.DryRun = aws.Bool(true)
	_, err := e.c.AllocateIpamPoolCidr(ctx, dry)
	wantDryRun(t, err)

	first, err := e.c.AllocateIpamPoolCidr(ctx, in(24))
	must(t, err)
	e.alloc(p, 24) // moves the next free block on
	again, err := e.c.AllocateIpamPoolCidr(ctx, in(24))
	must(t, err)
	if *again.IpamPoolAllocation.IpamPoolAllocationId != *first.IpamPoolAllocation.IpamPoolAllocationId ||
		*again.IpamPoolAllocation.Cidr != "10.0.0.0/24" || *first.IpamPoolAllocation.Cidr != "10.0.0.0/24" {
		t.Fatalf("retry: %s %s, first %s %s", *again.IpamPoolAllocation.IpamPoolAllocationId, *again.IpamPoolAllocation.Cidr,
			*first.IpamPoolAllocation.IpamPoolAllocationId, *first.IpamPoolAllocation.Cidr)
	}
	_, err = e.c.AllocateIpamPoolCidr(ctx, in(25))
	wantErr(t, err, "IdempotentParameterMismatch")
	wantStrings(t, "allocations", cidrsOf(e.allocations(p)), "10.0.0.0/24", "10.0.1.0/24")
	// Tokens are per operation: the same string on CreateIpamPool is new.
	_, err = e.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4, ClientToken: aws.String("alloc-token-1")})
	must(t, err)
	// A token used for a refused call may be used again.
	bad := &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(p), NetmaskLength: aws.Int32(8), ClientToken: aws.String("alloc-token-2")}
	_, err = e.c.AllocateIpamPoolCidr(ctx, bad)
	wantErr(t, err, "InvalidParameterValue")
	bad.NetmaskLength = aws.Int32(24)
	ok, err := e.c.AllocateIpamPoolCidr(ctx, bad)
	must(t, err)
	if *ok.IpamPoolAllocation.Cidr != "10.0.2.0/24" {
		t.Fatalf("after refused call %s", *ok.IpamPoolAllocation.Cidr)
	}
}
