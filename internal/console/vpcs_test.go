package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/console"
)

// The VPC page lists the account's VPCs, the pools their blocks came from
// and their subnets; another account sees none of them.
func TestVPCPage(t *testing.T) {
	e := newEnv(t, console.Config{})
	w := e.seed(alice)
	vpc, sub, pool := e.seedVPC(t, w)
	a := e.browser()
	a.signIn(alice)
	resp, body := a.get("/console/vpcs")
	for _, want := range []string{vpc, sub, pool, "10.1.0.0/20", "10.1.0.0/24"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("alice's VPC page (%d) lacks %s", resp.StatusCode, want)
		}
	}
	b := e.browser()
	b.signIn(bob)
	if _, body := b.get("/console/vpcs"); strings.Contains(body, vpc) || !strings.Contains(body, `id="no-vpcs"`) {
		t.Errorf("bob's VPC page shows alice's VPC")
	}
}

// seedVPC makes a pool in w's scope for us-east-1 with 10.1.0.0/16, a VPC
// with a /20 from it and a /24 subnet in that.
func (e *env) seedVPC(t *testing.T, w world) (vpc, subnet, pool string) {
	t.Helper()
	ctx, c := context.Background(), e.client(alice)
	p, err := c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &w.Scope, AddressFamily: types.AddressFamilyIpv4,
		Locale: aws.String("us-east-1"), Description: aws.String("vpcs")})
	if err != nil {
		t.Fatal(err)
	}
	pool = *p.IpamPool.IpamPoolId
	if _, err := c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: &pool, Cidr: aws.String("10.1.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(20)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.1.0.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	return *v.Vpc.VpcId, *s.Subnet.SubnetId, pool
}
