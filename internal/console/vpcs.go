package console

import (
	"net/http"

	"github.com/ipamd/ipamd/internal/ipam"
)

type vpcView struct {
	VPC     *ipam.VPC
	Name    string
	Subnets []*ipam.Subnet
}

// vpcs lists the account's VPCs with their CIDR blocks (and the pools they
// came from) and their subnets: read-only, through DescribeVpcs and
// DescribeSubnets as the API serves them.
func (c *Console) vpcs(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	vpcs, err := all(func(next string) ([]*ipam.VPC, string, error) {
		return c.svc.DescribeVpcs(ctx, s.caller, ipam.DescribeVpcsInput{Page: ipam.Page{NextToken: next}})
	})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	subnets, err := all(func(next string) ([]*ipam.Subnet, string, error) {
		return c.svc.DescribeSubnets(ctx, s.caller, ipam.DescribeSubnetsInput{Page: ipam.Page{NextToken: next}})
	})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	views := make([]vpcView, len(vpcs))
	index := map[string]int{}
	for i, v := range vpcs {
		views[i] = vpcView{VPC: v, Name: nameTag(v.Tags)}
		index[v.ID] = i
	}
	for _, sn := range subnets {
		if i, ok := index[sn.VpcID]; ok {
			views[i].Subnets = append(views[i].Subnets, sn)
		}
	}
	l, err := c.frame(w, r, s, "VPCs", crumb{Label: "VPCs"})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	l.Body = views
	c.render(w, http.StatusOK, "vpcs", l)
}

func nameTag(tags []ipam.Tag) string {
	for _, t := range tags {
		if t.Key == "Name" {
			return t.Value
		}
	}
	return ""
}
