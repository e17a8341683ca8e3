package console

import (
	"context"
	"net/netip"
	"net/url"
	"slices"

	"github.com/ipamd/ipamd/internal/ipam"
)

// poolView reads everything the pool page shows: the pool, its usage and
// picture, its CIDRs, and one page of its allocations (q's filter and
// NextToken, exactly as GetIpamPoolAllocations takes them).
func (c *Console) poolView(ctx context.Context, s *session, id string, q url.Values) (*poolView, error) {
	pools, _, err := c.svc.DescribeIpamPools(ctx, s.caller, ipam.DescribeIpamPoolsInput{PoolIDs: []string{id}})
	if err != nil {
		return nil, err
	}
	v := &poolView{Pool: pools[0], Filters: allocationFilters, ClientTok: randomID()}
	us, err := c.svc.PoolUsage(ctx, s.caller, []string{id}, stripSlices)
	if err != nil {
		return nil, err
	}
	v.Usage, v.Ratio = us[0], us[0].Ratio()
	v.CIDRs, err = all(func(next string) ([]*ipam.PoolCIDR, string, error) {
		return c.svc.GetIpamPoolCidrs(ctx, s.caller, ipam.GetIpamPoolCidrsInput{PoolID: id, Page: ipam.Page{NextToken: next}})
	})
	if err != nil {
		return nil, err
	}
	// Child pools' CIDRs for the picture, from the child pools themselves:
	// the parent's allocations have no index by resource type, and a pool
	// of a million allocations must not be scanned for a handful.
	kids, err := all(func(next string) ([]*ipam.Pool, string, error) {
		return c.svc.DescribeIpamPools(ctx, s.caller, ipam.DescribeIpamPoolsInput{Page: ipam.Page{NextToken: next},
			Filters: []ipam.Filter{{Name: "source-ipam-pool-id", Values: []string{id}}}})
	})
	if err != nil {
		return nil, err
	}
	var carved []childCIDR
	for _, k := range kids {
		cidrs, err := all(func(next string) ([]*ipam.PoolCIDR, string, error) {
			return c.svc.GetIpamPoolCidrs(ctx, s.caller, ipam.GetIpamPoolCidrsInput{PoolID: k.ID, Page: ipam.Page{NextToken: next}})
		})
		if err != nil {
			return nil, err
		}
		for _, pc := range cidrs {
			if pc.State == ipam.CidrProvisioned {
				carved = append(carved, childCIDR{pc.CIDR, k.ID})
			}
		}
	}
	v.ChildCount = len(kids)
	v.Strips = strips(v.Usage, carved)
	in := ipam.GetIpamPoolAllocationsInput{PoolID: id, Page: ipam.Page{NextToken: q.Get("next")}}
	v.Filter = filterView{Name: q.Get("fname"), Value: q.Get("fvalue")}
	if v.Filter.Value != "" && slices.Contains(allocationFilters, v.Filter.Name) {
		in.Filters = []ipam.Filter{{Name: v.Filter.Name, Values: []string{v.Filter.Value}}}
	}
	v.Paged = in.NextToken != ""
	// A bad filter or token is the list's problem, not the page's.
	if v.Allocs, v.Next, err = c.svc.GetIpamPoolAllocations(ctx, s.caller, in); err != nil {
		v.ListError = asErrorView(err)
	}
	return v, nil
}

// childCIDR is a CIDR a child pool holds.
type childCIDR struct {
	CIDR netip.Prefix
	pool string
}

// strips turns the usage's free fractions into the picture's slices and
// lays the child pools over them.
func strips(u *ipam.Usage, kids []childCIDR) []stripView {
	var out []stripView
	for _, st := range u.Strips {
		sv := stripView{CIDR: st.CIDR, First: st.CIDR.Addr(), Last: lastAddr(st.CIDR), Slots: len(st.Free)}
		for i, f := range st.Free {
			if f < 1 {
				sv.Slices = append(sv.Slices, sliceView{X: i, Allocated: 1 - f})
			}
		}
		for _, k := range kids {
			if st.CIDR.Contains(k.CIDR.Addr()) && k.CIDR.Bits() >= st.CIDR.Bits() {
				x, w := offset(st.CIDR, k.CIDR)
				sv.Children = append(sv.Children, spanView{X: x * float64(sv.Slots), W: w * float64(sv.Slots),
					Label: k.CIDR.String() + " " + k.pool})
			}
		}
		out = append(out, sv)
	}
	return out
}

// notice is the confirmation a form's redirect asks for: one of a few
// fixed sentences about a CIDR, never text from the URL.
func notice(q url.Values) string {
	p, err := netip.ParsePrefix(q.Get("cidr"))
	if err != nil {
		return ""
	}
	switch q.Get("done") {
	case "allocated":
		return "Allocated " + p.String() + "."
	case "released":
		return "Released " + p.String() + "."
	case "provisioned":
		return "Provisioned " + p.String() + "."
	}
	return ""
}
