package main

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

// api is what the mutating phases ask of ipamd. rawAPI sends hand-built
// SigV4-signed EC2 Query requests and cuts what it needs out of the XML
// (the default, as in loadgen: the load generator shares the server's
// cores, and an SDK client's own work would be counted against ipamd's
// rate); sdkAPI goes through aws-sdk-go-v2 (-sdk).
type api interface {
	createVpc(pool string, bits int) (id, cidr string, err error)
	allocate(pool string, bits int, preview bool) error
	createPlanningPool(scope, vpc string) (string, error)
	provision(pool, cidr string) error
	createSubnet(vpc, pool string, bits int) error
	// describe is one page of DescribeVpcs or DescribeSubnets (lister).
	describe(action, token string, max int, vpc string) (items int, next string, err error)
}

type sdkAPI struct{ c *ec2.Client }

func (a sdkAPI) createVpc(pool string, bits int) (string, string, error) {
	out, err := a.c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(int32(bits))})
	if err != nil {
		return "", "", err
	}
	return *out.Vpc.VpcId, *out.Vpc.CidrBlock, nil
}

func (a sdkAPI) allocate(pool string, bits int, preview bool) error {
	in := &ec2.AllocateIpamPoolCidrInput{IpamPoolId: &pool, NetmaskLength: aws.Int32(int32(bits))}
	if preview {
		in.PreviewNextCidr = aws.Bool(true)
	}
	_, err := a.c.AllocateIpamPoolCidr(ctx, in)
	return err
}

func (a sdkAPI) createPlanningPool(scope, vpc string) (string, error) {
	out, err := a.c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{IpamScopeId: &scope, AddressFamily: types.AddressFamilyIpv4,
		SourceResource: &types.IpamPoolSourceResourceRequest{ResourceId: &vpc, ResourceType: types.IpamPoolSourceResourceTypeVpc}})
	if err != nil {
		return "", err
	}
	return *out.IpamPool.IpamPoolId, nil
}

func (a sdkAPI) provision(pool, cidr string) error {
	_, err := a.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: &pool, Cidr: &cidr})
	return err
}

func (a sdkAPI) createSubnet(vpc, pool string, bits int) error {
	_, err := a.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, Ipv4IpamPoolId: &pool, Ipv4NetmaskLength: aws.Int32(int32(bits))})
	return err
}

func (a sdkAPI) describe(action, token string, max int, vpc string) (int, string, error) {
	var tok, mr = aws.String(token), aws.Int32(int32(max))
	if token == "" {
		tok = nil
	}
	if max == 0 {
		mr = nil
	}
	var fs []types.Filter
	if vpc != "" {
		fs = []types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}
	}
	var n int
	var next *string
	if action == "DescribeVpcs" {
		out, err := a.c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{NextToken: tok, MaxResults: mr, Filters: fs})
		if err != nil {
			return 0, "", err
		}
		n, next = len(out.Vpcs), out.NextToken
	} else {
		out, err := a.c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{NextToken: tok, MaxResults: mr, Filters: fs})
		if err != nil {
			return 0, "", err
		}
		n, next = len(out.Subnets), out.NextToken
	}
	return n, aws.ToString(next), nil
}

type rawAPI struct{ c *harness.RawClient }

// field calls action and returns the text of each named element (its first
// occurrence in the answer).
func (a rawAPI) field(action string, params url.Values, names ...string) ([]string, error) {
	r, err := a.c.Call(ctx, action, params)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(names))
	for i, n := range names {
		v, ok := harness.Between(r.Body, "<"+n+">", "</"+n+">")
		if !ok {
			return nil, fmt.Errorf("%s: no <%s> in the answer: %.300s", action, n, r.Body)
		}
		out[i] = v
	}
	return out, nil
}

func (a rawAPI) createVpc(pool string, bits int) (string, string, error) {
	f, err := a.field("CreateVpc", url.Values{"Ipv4IpamPoolId": {pool}, "Ipv4NetmaskLength": {strconv.Itoa(bits)}}, "vpcId", "cidrBlock")
	if err != nil {
		return "", "", err
	}
	return f[0], f[1], nil
}

func (a rawAPI) allocate(pool string, bits int, preview bool) error {
	v := url.Values{"IpamPoolId": {pool}, "NetmaskLength": {strconv.Itoa(bits)}}
	if preview {
		v.Set("PreviewNextCidr", "true")
	}
	_, err := a.field("AllocateIpamPoolCidr", v, "cidr")
	return err
}

func (a rawAPI) createPlanningPool(scope, vpc string) (string, error) {
	f, err := a.field("CreateIpamPool", url.Values{"IpamScopeId": {scope}, "AddressFamily": {"ipv4"},
		"SourceResource.ResourceId": {vpc}, "SourceResource.ResourceType": {"vpc"}}, "ipamPoolId")
	if err != nil {
		return "", err
	}
	return f[0], nil
}

func (a rawAPI) provision(pool, cidr string) error {
	_, err := a.field("ProvisionIpamPoolCidr", url.Values{"IpamPoolId": {pool}, "Cidr": {cidr}}, "cidr")
	return err
}

func (a rawAPI) createSubnet(vpc, pool string, bits int) error {
	_, err := a.field("CreateSubnet", url.Values{"VpcId": {vpc}, "Ipv4IpamPoolId": {pool}, "Ipv4NetmaskLength": {strconv.Itoa(bits)}}, "subnetId")
	return err
}

// itemMarks are an element each item of a Describe page has exactly once.
var itemMarks = map[string]string{"DescribeVpcs": "<dhcpOptionsId>", "DescribeSubnets": "<subnetId>"}

func (a rawAPI) describe(action, token string, max int, vpc string) (int, string, error) {
	v := url.Values{}
	if token != "" {
		v.Set("NextToken", token)
	}
	if max > 0 {
		v.Set("MaxResults", strconv.Itoa(max))
	}
	if vpc != "" {
		v.Set("Filter.1.Name", "vpc-id")
		v.Set("Filter.1.Value.1", vpc)
	}
	r, err := a.c.Call(ctx, action, v)
	if err != nil {
		return 0, "", err
	}
	next, _ := harness.Between(r.Body, "<nextToken>", "</nextToken>")
	return bytes.Count(r.Body, []byte(itemMarks[action])), next, nil
}
