package pools

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/testserver"
)

func TestProvisionIpamPoolCidr(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	out, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.0.0.0/16")})
	must(t, err)
	pc := out.IpamPoolCidr
	if aws.ToString(pc.Cidr) != "10.0.0.0/16" || pc.State != types.IpamPoolCidrStatePendingProvision ||
		aws.ToInt32(pc.NetmaskLength) != 16 || !poolCidrIDRE.MatchString(aws.ToString(pc.IpamPoolCidrId)) {
		t.Fatalf("provision answered %s %s /%d %s", aws.ToString(pc.Cidr), pc.State, aws.ToInt32(pc.NetmaskLength), aws.ToString(pc.IpamPoolCidrId))
	}
	got, err := e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(id)})
	must(t, err)
	if len(got.IpamPoolCidrs) != 1 {
		t.Fatalf("%d pool CIDRs", len(got.IpamPoolCidrs))
	}
	g := got.IpamPoolCidrs[0]
	if aws.ToString(g.Cidr) != "10.0.0.0/16" || g.State != types.IpamPoolCidrStateProvisioned ||
		aws.ToString(g.IpamPoolCidrId) != aws.ToString(pc.IpamPoolCidrId) || aws.ToInt32(g.NetmaskLength) != 16 || g.FailureReason != nil {
		t.Fatalf("GetIpamPoolCidrs %s %s %s /%d", aws.ToString(g.Cidr), g.State, aws.ToString(g.IpamPoolCidrId), aws.ToInt32(g.NetmaskLength))
	}
	// Nothing is allocated by provisioning a top-level pool.
	if n := len(e.allocations(id)); n != 0 {
		t.Fatalf("%d allocations", n)
	}
}

func TestProvisionIpamPoolCidrRefusals(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	other := e.pool()
	v6 := e.pool(family6)
	for _, c := range []struct {
		name string
		pool string
		cidr *string
		bits *int32
		code string
	}{
		{"both", other, aws.String("10.1.0.0/16"), aws.Int32(16), "InvalidParameterCombination"},
		{"neither", other, nil, nil, "InvalidParameterCombination"},
		{"netmask on a top-level pool", other, nil, aws.Int32(16), "InvalidParameterCombination"},
		{"not canonical", other, aws.String("10.1.0.1/16"), nil, "InvalidParameterValue"},
		{"not a CIDR", other, aws.String("10.1.0.0"), nil, "InvalidParameterValue"},
		{"garbage", other, aws.String("ten/8"), nil, "InvalidParameterValue"},
		{"IPv6 into IPv4", other, aws.String("fd00::/48"), nil, "InvalidParameterValue"},
		{"IPv4 into IPv6", v6, aws.String("10.9.0.0/16"), nil, "InvalidParameterValue"},
		{"overlaps another pool of the scope", other, aws.String("10.0.128.0/17"), nil, "InvalidParameterValue"},
		{"contains another pool's CIDR", other, aws.String("10.0.0.0/8"), nil, "InvalidParameterValue"},
		{"overlaps its own CIDR", id, aws.String("10.0.0.0/24"), nil, "InvalidParameterValue"},
		{"same CIDR twice", id, aws.String("10.0.0.0/16"), nil, "InvalidParameterValue"},
		{"unknown pool", "ipam-pool-0123456789abcdef0", aws.String("10.1.0.0/16"), nil, "InvalidIpamPoolId.NotFound"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(c.pool), Cidr: c.cidr, NetmaskLength: c.bits})
			wantErr(t, err, c.code)
		})
	}
	if got := e.poolCidrs(other); len(got) != 0 {
		t.Fatalf("refusals provisioned %v", got)
	}
	_, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(other), Cidr: aws.String("10.0.128.0/17")})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "10.0.0.0/16", id)
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(other), Cidr: aws.String("10.1.0.0/16"), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	if got := e.poolCidrs(other); len(got) != 0 {
		t.Fatalf("DryRun provisioned %v", got)
	}
}

// Scopes are separate address spaces: the same CIDR may be in two.
func TestProvisionSameCidrInAnotherScope(t *testing.T) {
	e := newEnv(t)
	e.provision(e.pool(), "10.0.0.0/16")
	sc, err := e.c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(e.ipam)})
	must(t, err)
	other := e.pool(inScope(*sc.IpamScope.IpamScopeId))
	e.provision(other, "10.0.0.0/16")
	wantStrings(t, "other scope", e.poolCidrs(other), "10.0.0.0/16=provisioned")
}

func TestCidrsPerPoolQuota(t *testing.T) {
	e := newEnvOpts(t, testserver.Options{Limits: limits(func(l *ipam.Limits) { l.CidrsPerPool = 2 })})
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	e.provision(id, "10.1.0.0/16")
	_, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.2.0.0/16")})
	wantErr(t, err, "ResourceLimitExceeded")
	// A deprovisioned CIDR no longer counts.
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.0.0.0/16")})
	must(t, err)
	e.provision(id, "10.2.0.0/16")
}

func TestProvisionNetmaskLengthToChild(t *testing.T) {
	e := newEnv(t)
	parent := e.pool()
	e.provision(parent, "10.0.0.0/16")
	taken := e.alloc(parent, 24) // 10.0.0.0/24: the child's /20 cannot start at 10.0.0.0
	child := e.pool(source(parent))
	out, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), NetmaskLength: aws.Int32(20)})
	must(t, err)
	if out.IpamPoolCidr.State != types.IpamPoolCidrStatePendingProvision || aws.ToInt32(out.IpamPoolCidr.NetmaskLength) != 20 {
		t.Fatalf("answered %s /%d", out.IpamPoolCidr.State, aws.ToInt32(out.IpamPoolCidr.NetmaskLength))
	}
	wantStrings(t, "child CIDRs", e.poolCidrs(child), "10.0.16.0/20=provisioned")
	wantStrings(t, "parent allocations", cidrsOf(e.allocations(parent)), *taken.Cidr, "10.0.16.0/20")
	// Too big for what is left of the parent.
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), NetmaskLength: aws.Int32(15)})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), "The allocation size is too big for the pool.")
	// An explicit child CIDR must lie inside the parent and be free there.
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), Cidr: aws.String("10.1.0.0/24")})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(child), Cidr: aws.String("10.0.0.0/25")})
	wantContains(t, wantErr(t, err, "InvalidParameterValue"), *taken.IpamPoolAllocationId)
}

func TestDeprovisionIpamPoolCidr(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	e.provision(id, "10.0.0.0/16")
	e.provision(id, "10.1.0.0/16")
	a := e.alloc(id, 24) // in 10.0.0.0/16
	_, err := e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.0.0.0/16")})
	wantErr(t, err, "IncorrectState")
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.1.0.0/16"), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	out, err := e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.1.0.0/16")})
	must(t, err)
	if aws.ToString(out.IpamPoolCidr.Cidr) != "10.1.0.0/16" || out.IpamPoolCidr.State != types.IpamPoolCidrStatePendingDeprovision {
		t.Fatalf("deprovision answered %s %s", aws.ToString(out.IpamPoolCidr.Cidr), out.IpamPoolCidr.State)
	}
	wantStrings(t, "after deprovision", e.poolCidrs(id), "10.0.0.0/16=provisioned", "10.1.0.0/16=deprovisioned")
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.1.0.0/16")})
	wantErr(t, err, "IncorrectState")
	// Deprovisioned space is not the pool's any more.
	_, err = e.c.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.1.0.0/24")})
	wantErr(t, err, "InvalidParameterValue")
	// Never provisioned, malformed, unknown pool.
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.2.0.0/16")})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.0.0.1/16")})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String("ipam-pool-0123456789abcdef0"), Cidr: aws.String("10.0.0.0/16")})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	// Once the allocation is gone the CIDR can go, and be provisioned again.
	_, err = e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(id), Cidr: a.Cidr, IpamPoolAllocationId: a.IpamPoolAllocationId})
	must(t, err)
	_, err = e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.0.0.0/16")})
	must(t, err)
	e.provision(e.pool(), "10.0.0.0/8")
}

func TestDeprovisionChildCidrReturnsItToParent(t *testing.T) {
	e := newEnv(t)
	parent := e.pool()
	e.provision(parent, "10.0.0.0/16")
	child := e.pool(source(parent))
	e.provision(child, "10.0.64.0/18")
	e.provision(child, "10.0.128.0/18")
	wantStrings(t, "parent allocations", cidrsOf(e.allocations(parent)), "10.0.64.0/18", "10.0.128.0/18")
	_, err := e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(child), Cidr: aws.String("10.0.64.0/18")})
	must(t, err)
	wantStrings(t, "parent allocations", cidrsOf(e.allocations(parent)), "10.0.128.0/18")
	// The parent can hand the space out again.
	if got := aws.ToString(e.alloc(parent, 18).Cidr); got != "10.0.0.0/18" {
		t.Fatalf("first /18 %s", got)
	}
	if got := aws.ToString(e.alloc(parent, 18).Cidr); got != "10.0.64.0/18" {
		t.Fatalf("second /18 %s", got)
	}
}

func TestGetIpamPoolCidrsFiltersAndPaging(t *testing.T) {
	e := newEnv(t)
	id := e.pool()
	var ids []string
	for _, c := range []string{"10.0.0.0/16", "10.1.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "10.2.0.0/24", "10.3.0.0/16", "100.64.0.0/10"} {
		ids = append(ids, e.provision(id, c))
	}
	_, err := e.c.DeprovisionIpamPoolCidr(ctx, &ec2.DeprovisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String("10.3.0.0/16")})
	must(t, err)
	for _, tc := range []struct {
		f    []types.Filter
		want []string
	}{
		{[]types.Filter{filter("cidr", "10.*")}, []string{"10.0.0.0/16=provisioned", "10.1.0.0/16=provisioned", "10.2.0.0/24=provisioned", "10.3.0.0/16=deprovisioned"}},
		{[]types.Filter{filter("cidr", "10.?.0.0/16", "192.168.0.0/16")}, []string{"10.0.0.0/16=provisioned", "10.1.0.0/16=provisioned", "192.168.0.0/16=provisioned", "10.3.0.0/16=deprovisioned"}},
		{[]types.Filter{filter("ipam-pool-cidr-id", ids[2])}, []string{"172.16.0.0/12=provisioned"}},
		{[]types.Filter{filter("state", "deprovisioned")}, []string{"10.3.0.0/16=deprovisioned"}},
		{[]types.Filter{filter("state", "provisioned"), filter("cidr", "10.*")}, []string{"10.0.0.0/16=provisioned", "10.1.0.0/16=provisioned", "10.2.0.0/24=provisioned"}},
		{[]types.Filter{filter("netmask-length", "16")}, []string{"10.0.0.0/16=provisioned", "10.1.0.0/16=provisioned", "192.168.0.0/16=provisioned", "10.3.0.0/16=deprovisioned"}},
		{[]types.Filter{filter("cidr", "11.*")}, nil},
	} {
		wantStrings(t, fmt.Sprint(tc.f), e.poolCidrs(id, tc.f...), tc.want...)
	}
	_, err = e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(id), Filters: []types.Filter{filter("size", "big")}})
	wantErr(t, err, "InvalidParameterValue")
	_, err = e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String("ipam-pool-0123456789abcdef0")})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(id), MaxResults: aws.Int32(4)})
	wantErr(t, err, "InvalidParameterValue")

	// Paging in provisioning order, 5 then 2, every CIDR once.
	p := ec2.NewGetIpamPoolCidrsPaginator(e.c, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(id), MaxResults: aws.Int32(5)})
	var got []string
	var sizes []int
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(t, err)
		sizes = append(sizes, len(out.IpamPoolCidrs))
		for _, c := range out.IpamPoolCidrs {
			got = append(got, *c.IpamPoolCidrId)
		}
	}
	wantStrings(t, "paged ids", got, ids...)
	if fmt.Sprint(sizes) != "[5 2]" {
		t.Fatalf("page sizes %v", sizes)
	}
	// A token of one pool is no good for another.
	first, err := e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(id), MaxResults: aws.Int32(5)})
	must(t, err)
	_, err = e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(e.pool()), NextToken: first.NextToken})
	wantErr(t, err, "InvalidPaginationToken")
}

// Racing top-level provisionings of one CIDR in one scope: exactly one wins.
func TestConcurrentTopLevelProvisioning(t *testing.T) {
	e := newEnv(t)
	const n = 8
	pools := make([]string, n)
	for i := range pools {
		pools[i] = e.pool()
	}
	errs := make(chan error, n)
	for _, p := range pools {
		go func() {
			_, err := e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(p), Cidr: aws.String("10.0.0.0/16")})
			errs <- err
		}()
	}
	won := 0
	for range n {
		if err := <-errs; err == nil {
			won++
		} else {
			wantErr(t, err, "InvalidParameterValue")
		}
	}
	if won != 1 {
		t.Fatalf("%d pools got 10.0.0.0/16", won)
	}
}
