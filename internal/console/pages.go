package console

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/ipamd/ipamd/internal/ipam"
)

// all pages through a Describe call to its end.
func all[T any](call func(next string) ([]T, string, error)) ([]T, error) {
	var out []T
	next := ""
	for {
		items, tok, err := call(next)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if tok == "" {
			return out, nil
		}
		next = tok
	}
}

type ipamView struct {
	IPAM   *ipam.IPAM
	Scopes []*ipam.Scope
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	ipams, err := all(func(next string) ([]*ipam.IPAM, string, error) {
		return c.svc.DescribeIpams(ctx, s.caller, ipam.DescribeIpamsInput{Page: ipam.Page{NextToken: next}})
	})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	scopes, err := all(func(next string) ([]*ipam.Scope, string, error) {
		return c.svc.DescribeIpamScopes(ctx, s.caller, ipam.DescribeIpamScopesInput{Page: ipam.Page{NextToken: next}})
	})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	views := make([]ipamView, len(ipams))
	for i, ip := range ipams {
		views[i].IPAM = ip
		for _, sc := range scopes {
			if sc.IpamID == ip.ID {
				views[i].Scopes = append(views[i].Scopes, sc)
			}
		}
	}
	l, err := c.frame(w, r, s, "IPAMs", crumb{Label: "IPAMs"})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	l.Body = views
	c.render(w, http.StatusOK, "home", l)
}

// poolRow is one pool of a scope's tree.
type poolRow struct {
	Pool  *ipam.Pool
	Depth int
	Usage *ipam.Usage
	Ratio float64
}

type scopeView struct {
	Scope *ipam.Scope
	Pools []poolRow
}

func (c *Console) scope(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, id := r.Context(), r.PathValue("id")
	scopes, _, err := c.svc.DescribeIpamScopes(ctx, s.caller, ipam.DescribeIpamScopesInput{ScopeIDs: []string{id}})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	sc := scopes[0]
	pools, err := all(func(next string) ([]*ipam.Pool, string, error) {
		return c.svc.DescribeIpamPools(ctx, s.caller, ipam.DescribeIpamPoolsInput{
			Filters: []ipam.Filter{{Name: "ipam-scope-id", Values: []string{sc.ID}}}, Page: ipam.Page{NextToken: next}})
	})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	rows, err := c.tree(ctx, s, pools)
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	l, err := c.frame(w, r, s, "Scope "+sc.ID, crumb{"IPAMs", Prefix}, crumb{Label: sc.IpamID, Href: Prefix},
		crumb{Label: sc.ID})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	l.Body = scopeView{Scope: sc, Pools: rows}
	c.render(w, http.StatusOK, "scope", l)
}

// tree orders pools parent first, children (by id) below their parent,
// with their usage.
func (c *Console) tree(ctx context.Context, s *session, pools []*ipam.Pool) ([]poolRow, error) {
	ids := make([]string, len(pools))
	byID := map[string]bool{}
	for i, p := range pools {
		ids[i] = p.ID
		byID[p.ID] = true
	}
	usage, err := c.svc.PoolUsage(ctx, s.caller, ids, 0)
	if err != nil {
		return nil, err
	}
	children := map[string][]int{}
	for i, p := range pools {
		parent := p.SourcePoolID
		if !byID[parent] {
			parent = "" // a source in another scope is not in this tree
		}
		children[parent] = append(children[parent], i)
	}
	var rows []poolRow
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(a, b int) int { return strings.Compare(pools[a].ID, pools[b].ID) })
		for _, i := range kids {
			rows = append(rows, poolRow{Pool: pools[i], Depth: depth, Usage: usage[i], Ratio: usage[i].Ratio()})
			walk(pools[i].ID, depth+1)
		}
	}
	walk("", 0)
	return rows, nil
}

// stripSlices is how finely the pool page draws each provisioned CIDR.
const stripSlices = 256

// allocationFilters are the GetIpamPoolAllocations filters the pool page
// offers.
var allocationFilters = []string{"cidr", "description", "resource-type", "resource-id", "ipam-pool-allocation-id"}

type poolView struct {
	Pool       *ipam.Pool
	Usage      *ipam.Usage
	Ratio      float64
	CIDRs      []*ipam.PoolCIDR
	Strips     []stripView
	Allocs     []*ipam.Allocation
	Next       string // the next page's token
	Paged      bool   // this is not the first page
	Filter     filterView
	Filters    []string
	ListError  *errorView
	Alloc      allocForm
	Provision  provisionForm
	ClientTok  string
	ChildCount int
}

type filterView struct{ Name, Value string }

type allocForm struct {
	Netmask, CIDR, Description string
	Preview                    string // the CIDR a preview found
	Error                      *errorView
}

type provisionForm struct {
	Netmask, CIDR string
	Error         *errorView
}

type stripView struct {
	CIDR        netip.Prefix
	First, Last netip.Addr
	Slices      []sliceView
	Children    []spanView
	Slots       int
}

type sliceView struct {
	X         int
	Allocated float64
}

type spanView struct {
	X, W  float64
	Label string
}

func (c *Console) pool(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderPool(w, r, s, http.StatusOK, nil)
}

// renderPool renders the pool page; edit carries a form's state after a
// post (its values, a preview or a refusal).
func (c *Console) renderPool(w http.ResponseWriter, r *http.Request, s *session, status int, edit func(*poolView)) {
	ctx, id := r.Context(), r.PathValue("id")
	v, err := c.poolView(ctx, s, id, r.URL.Query())
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	if edit != nil {
		edit(v)
	}
	l, err := c.frame(w, r, s, "Pool "+v.Pool.ID, crumb{"IPAMs", Prefix}, crumb{v.Pool.IpamID, Prefix},
		crumb{v.Pool.ScopeID, Prefix + "scopes/" + v.Pool.ScopeID}, crumb{Label: v.Pool.ID})
	if err != nil {
		c.serviceError(w, r, s, err)
		return
	}
	l.Notice = notice(r.URL.Query())
	l.Body = v
	c.render(w, status, "pool", l)
}
