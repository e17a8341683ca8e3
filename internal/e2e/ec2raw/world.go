package ec2raw

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// World is a small but complete set of objects in one account: an IPAM
// (operating in us-east-1 and us-west-2) with an extra private scope, a
// provisioned IPv4 pool (10.0.0.0/16) with a child pool (10.0.16.0/20) and a
// custom allocation (10.0.0.0/24, ClientToken "fixture-alloc-token"), an
// IPv6 pool (fd00::/48), six more pools in the extra scope (so
// DescribeIpamPools pages at 5) and a few tags. It is built with raw calls,
// so tests that use it need no SDK.
type World struct {
	IPAM, PubScope, PrivScope, Scope2 string
	Pool, Child, Pool6, Alloc         string
	// VpcPool (locale us-east-1) gave Vpc its block; PlanPool plans Vpc
	// and gave Subnet its block; VpcAssoc is Vpc's primary association.
	VpcPool, Vpc, VpcAssoc, PlanPool, Subnet string
	ChildAlloc                               string // the child's carve-out in Pool
	Disco, DiscoAssoc                        string // IPAM's default resource discovery and its association
	PoolToken                                string // a DescribeIpamPools NextToken
	Pools                                    []string
}

// Must calls action and returns the body of its 200 answer.
func (c *Client) Must(action string, params map[string]string) (string, error) {
	resp, err := c.Call(action, params)
	if err != nil {
		return "", fmt.Errorf("%s: %w", action, err)
	}
	if resp.Status != http.StatusOK {
		return "", fmt.Errorf("%s: %d %s: %s", action, resp.Status, resp.Envelope.Code, resp.Envelope.Message)
	}
	return string(resp.Body), nil
}

// Field returns the text of the first <name> element in body ("" if none).
func Field(body, name string) string {
	m := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">").FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// BuildWorld creates a World in c's account.
func BuildWorld(c *Client) (*World, error) {
	w := &World{}
	var err error
	call := func(action string, params map[string]string) string {
		if err != nil {
			return ""
		}
		var body string
		body, err = c.Must(action, params)
		return body
	}
	b := call("CreateIpam", map[string]string{"Description": "fixture", "OperatingRegion.1.RegionName": "us-west-2",
		"TagSpecification.1.ResourceType": "ipam", "TagSpecification.1.Tag.1.Key": "Name", "TagSpecification.1.Tag.1.Value": "fixture"})
	w.IPAM, w.PubScope, w.PrivScope = Field(b, "ipamId"), Field(b, "publicDefaultScopeId"), Field(b, "privateDefaultScopeId")
	w.Disco, w.DiscoAssoc = Field(b, "defaultResourceDiscoveryId"), Field(b, "defaultResourceDiscoveryAssociationId")
	w.Scope2 = Field(call("CreateIpamScope", map[string]string{"IpamId": w.IPAM}), "ipamScopeId")
	pool := func(params map[string]string) string {
		id := Field(call("CreateIpamPool", params), "ipamPoolId")
		w.Pools = append(w.Pools, id)
		return id
	}
	w.Pool = pool(map[string]string{"IpamScopeId": w.PrivScope, "AddressFamily": "ipv4"})
	call("ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": w.Pool, "Cidr": "10.0.0.0/16"})
	w.Child = pool(map[string]string{"IpamScopeId": w.PrivScope, "AddressFamily": "ipv4", "SourceIpamPoolId": w.Pool})
	call("ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": w.Child, "Cidr": "10.0.16.0/20"})
	w.Alloc = Field(call("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": w.Pool, "NetmaskLength": "24",
		"ClientToken": "fixture-alloc-token", "Description": "fixture allocation"}), "ipamPoolAllocationId")
	w.ChildAlloc = Field(call("GetIpamPoolAllocations", map[string]string{"IpamPoolId": w.Pool,
		"Filter.1.Name": "resource-type", "Filter.1.Value.1": "ipam-pool"}), "ipamPoolAllocationId")
	w.Pool6 = pool(map[string]string{"IpamScopeId": w.PrivScope, "AddressFamily": "ipv6"})
	call("ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": w.Pool6, "Cidr": "fd00::/48"})
	for range 6 {
		pool(map[string]string{"IpamScopeId": w.Scope2, "AddressFamily": "ipv4"})
	}
	w.VpcPool = pool(map[string]string{"IpamScopeId": w.PrivScope, "AddressFamily": "ipv4", "Locale": "us-east-1"})
	call("ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": w.VpcPool, "Cidr": "172.16.0.0/16"})
	b = call("CreateVpc", map[string]string{"Ipv4IpamPoolId": w.VpcPool, "Ipv4NetmaskLength": "20"})
	w.Vpc, w.VpcAssoc = Field(b, "vpcId"), Field(b, "associationId")
	w.PlanPool = pool(map[string]string{"IpamScopeId": w.PrivScope, "AddressFamily": "ipv4",
		"SourceResource.ResourceId": w.Vpc, "SourceResource.ResourceType": "vpc"})
	call("ProvisionIpamPoolCidr", map[string]string{"IpamPoolId": w.PlanPool, "Cidr": "172.16.0.0/20"})
	w.Subnet = Field(call("CreateSubnet", map[string]string{"VpcId": w.Vpc, "Ipv4IpamPoolId": w.PlanPool, "Ipv4NetmaskLength": "24"}), "subnetId")
	call("CreateTags", map[string]string{"ResourceId.1": w.Pool, "ResourceId.2": w.Scope2, "ResourceId.3": w.Alloc,
		"Tag.1.Key": "env", "Tag.1.Value": "test"})
	w.PoolToken = Field(call("DescribeIpamPools", map[string]string{"MaxResults": "5"}), "nextToken")
	if err != nil {
		return nil, err
	}
	for _, id := range []string{w.IPAM, w.PubScope, w.PrivScope, w.Scope2, w.Pool, w.Child, w.Pool6, w.Alloc, w.ChildAlloc, w.PoolToken,
		w.VpcPool, w.Vpc, w.VpcAssoc, w.PlanPool, w.Subnet, w.Disco, w.DiscoAssoc} {
		if id == "" {
			return nil, fmt.Errorf("world incomplete: %+v", w)
		}
	}
	return w, nil
}

// Placeholders maps {{NAME}} in hostile-request corpora to the world's ids.
func (w *World) Placeholders() map[string]string {
	tampered := []byte(w.PoolToken)
	if tampered[2] == 'A' {
		tampered[2] = 'B'
	} else {
		tampered[2] = 'A'
	}
	return map[string]string{
		"IPAM": w.IPAM, "PUBSCOPE": w.PubScope, "PRIVSCOPE": w.PrivScope, "SCOPE2": w.Scope2,
		"POOL": w.Pool, "CHILD": w.Child, "POOL6": w.Pool6, "ALLOC": w.Alloc, "CHILDALLOC": w.ChildAlloc,
		"POOLTOKEN": w.PoolToken, "POOLTOKENTAMPERED": string(tampered), "IPAMUPPER": strings.ToUpper(w.IPAM),
		"VPCPOOL": w.VpcPool, "VPC": w.Vpc, "VPCASSOC": w.VpcAssoc, "PLANPOOL": w.PlanPool, "SUBNET": w.Subnet,
		"DISCO": w.Disco, "DISCOASSOC": w.DiscoAssoc,
	}
}

var requestIDRE = regexp.MustCompile(`<requestId>[^<]*</requestId>`)

// Snapshot renders everything c's account can see (every IPAM, scope,
// pool, tag, allocation, VPC and subnet, every scope's resource CIDRs and
// their address history, the CIDRs of cidrPools and the per-pool
// allocation lists of allocPools), request ids removed: two equal snapshots
// mean no visible state changed in between.
func Snapshot(c *Client, cidrPools, allocPools []string) (string, error) {
	var b strings.Builder
	// get adds an answer to the snapshot and returns the body of a 200.
	get := func(action string, params map[string]string) (string, error) {
		resp, err := c.Call(action, params)
		if err != nil {
			return "", fmt.Errorf("snapshot %s: %w", action, err)
		}
		if resp.Status != http.StatusOK {
			// A pool may be gone (fuzzers delete things): that is state too.
			fmt.Fprintf(&b, "%s %v\n%d %s\n", action, params, resp.Status, resp.Envelope.Code)
			return "", nil
		}
		fmt.Fprintf(&b, "%s %v\n%s\n", action, params, requestIDRE.ReplaceAll(resp.Body, nil))
		return string(resp.Body), nil
	}
	for _, q := range []struct {
		action string
		params map[string]string
	}{
		{"DescribeIpams", map[string]string{"MaxResults": "1000"}},
		{"DescribeIpamPools", map[string]string{"MaxResults": "1000"}},
		{"DescribeTags", map[string]string{"MaxResults": "1000"}},
		{"DescribeIpamPoolAllocations", map[string]string{"MaxResults": "100000"}},
		{"DescribeVpcs", map[string]string{"MaxResults": "1000"}},
		{"DescribeSubnets", map[string]string{"MaxResults": "1000"}},
	} {
		if _, err := get(q.action, q.params); err != nil {
			return "", err
		}
	}
	// The scopes, their resource CIDRs and the address history of the
	// first few of them.
	if err := monitoring(get); err != nil {
		return "", err
	}
	for _, p := range cidrPools {
		if _, err := get("GetIpamPoolCidrs", map[string]string{"IpamPoolId": p, "MaxResults": "1000"}); err != nil {
			return "", err
		}
	}
	for _, p := range allocPools {
		if _, err := get("GetIpamPoolAllocations", map[string]string{"IpamPoolId": p, "MaxResults": "100000"}); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// historyPerScope bounds the GetIpamAddressHistory calls of a snapshot.
const historyPerScope = 8

var (
	scopeIDRE      = regexp.MustCompile(`<ipamScopeId>([^<]+)</ipamScopeId>`)
	resourceCidrRE = regexp.MustCompile(`<resourceCidr>([^<]+)</resourceCidr>`)
)

// monitoring adds every scope's resource CIDRs and the history of the
// first historyPerScope distinct CIDRs of each to a snapshot.
func monitoring(get func(string, map[string]string) (string, error)) error {
	scopes, err := get("DescribeIpamScopes", map[string]string{"MaxResults": "1000"})
	if err != nil {
		return err
	}
	for _, m := range scopeIDRE.FindAllStringSubmatch(scopes, -1) {
		scope := m[1]
		cidrs, err := get("GetIpamResourceCidrs", map[string]string{"IpamScopeId": scope, "MaxResults": "1000"})
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, cm := range resourceCidrRE.FindAllStringSubmatch(cidrs, -1) {
			if seen[cm[1]] || len(seen) == historyPerScope {
				continue
			}
			seen[cm[1]] = true
			if _, err := get("GetIpamAddressHistory", map[string]string{"IpamScopeId": scope, "Cidr": cm[1],
				"StartTime": "1970-01-02T00:00:00Z", "MaxResults": "1000"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// FirstDiff shows where two snapshots part.
func FirstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "before: " + Clip(al[i], 2000) + "\nafter:  " + Clip(bl[i], 2000)
		}
	}
	return "lengths differ"
}

// Clip bounds s for a message.
func Clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
