package ipam

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ipamd/ipamd/internal/cidr"
)

// AllocateIpamPoolCidr allocates a CIDR from a pool: an explicit Cidr, or the
// lowest-addressed free block of NetmaskLength (or the pool's default),
// inside AllowedCidrs and outside DisallowedCidrs. PreviewNextCidr answers
// which block it would be without taking it.
func (s *Service) AllocateIpamPoolCidr(ctx context.Context, c Caller, in AllocateIpamPoolCidrInput) (*Allocation, error) {
	switch {
	case in.CIDR != "" && in.NetmaskLength != nil:
		return nil, invalidCombination("The request must contain exactly one of Cidr and NetmaskLength.")
	case in.CIDR != "" && (len(in.AllowedCidrs) > 0 || len(in.DisallowedCidrs) > 0):
		return nil, invalidCombination("AllowedCidrs and DisallowedCidrs can only be used with NetmaskLength, not with an explicit Cidr.")
	case in.CIDR != "" && in.PreviewNextCidr:
		return nil, invalidCombination("PreviewNextCidr previews a NetmaskLength allocation; it cannot be combined with an explicit Cidr.")
	}
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	tags, err := tagsFromSpecs(in.TagSpecifications, "ipam-pool-allocation")
	if err != nil {
		return nil, err
	}
	j := &allocJob{ctx: ctx, c: c, in: in, tags: tags, wake: make(chan bool, 1)}
	s.allocs.do(in.PoolID, j, s.runAllocations)
	return j.out, j.err
}

// allocateIn is one allocation inside a write transaction. It returns a
// domain *Error only before it has written anything, so a batch can carry
// on past a refused request; any other error spoils the transaction.
//
// With res, the allocation is a VPC's or subnet's CIDR: res.check may
// refuse or narrow it under the pool's lock, and res.commit writes the
// resource once the allocation is in place.
func (s *Service) allocateIn(tx Tx, o *op, c Caller, in AllocateIpamPoolCidrInput, tags []Tag, res *resourceUse) (*Allocation, error) {
	p := o.lockedPool(in.PoolID, c.AccountID)
	if p == nil {
		var err error
		if p, err = o.lockPool(tx, c, in.PoolID); err != nil {
			return nil, err
		}
	}
	req, err := allocationRequest(p, in)
	if err != nil {
		return nil, err
	}
	if res != nil {
		if err := res.admit(tx, o, p, &req); err != nil {
			return nil, err
		}
	}
	space, err := o.space(tx, p)
	if err != nil {
		return nil, err
	}
	if in.PreviewNextCidr {
		prefix, err := space.Preview(req.bits, req.cons)
		if err != nil {
			return nil, noSpace(space, p, req.bits, req.cons, err)
		}
		if in.DryRun {
			return nil, errDryRun
		}
		return &Allocation{CIDR: prefix}, nil
	}
	params := in
	params.ClientToken, params.DryRun = "", false // neither changes what the call means
	return idempotent(tx, o, c, "AllocateIpamPoolCidr", in.ClientToken, in.DryRun, params, func() (*Allocation, error) {
		prefix := req.prefix
		if prefix.IsValid() {
			if err := s.reserveIn(tx, o, p, space, prefix, "pool", in.DryRun); err != nil {
				return nil, err
			}
		} else if in.DryRun {
			if _, err := space.Preview(req.bits, req.cons); err != nil {
				return nil, noSpace(space, p, req.bits, req.cons, err)
			}
			return nil, errDryRun
		} else if prefix, err = o.allocate(p, req.bits, req.cons); err != nil {
			return nil, noSpace(space, p, req.bits, req.cons, err)
		}
		a := &Allocation{ID: newAllocationID(), PoolID: p.ID, OwnerID: p.OwnerID, CIDR: prefix,
			Description: deref(in.Description, ""), ResourceType: ResourceCustom, ResourceOwner: c.AccountID, Tags: tags}
		if res != nil {
			a.ResourceType, a.ResourceID, a.ResourceRegion = res.typ, res.id, res.region
		}
		if err := tx.InsertAllocation(a); err != nil {
			return nil, err
		}
		if res != nil && res.commit != nil {
			if err := res.commit(tx, a); err != nil {
				return nil, err
			}
		}
		return a, o.bump(tx, p)
	})
}

type allocRequest struct {
	prefix netip.Prefix // explicit CIDR, or invalid
	bits   int
	cons   *cidr.Constraints
}

// allocationRequest validates an allocation against the pool's family and
// netmask rules.
func allocationRequest(p *Pool, in AllocateIpamPoolCidrInput) (allocRequest, error) {
	var r allocRequest
	switch {
	case in.CIDR != "":
		prefix, err := parseFamilyCIDR(in.CIDR, "Cidr", p.AddressFamily)
		if err != nil {
			return r, err
		}
		r.prefix, r.bits = prefix, prefix.Bits()
	case in.NetmaskLength != nil:
		r.bits = *in.NetmaskLength
	case p.AllocationDefault != nil:
		r.bits = *p.AllocationDefault
	default:
		return r, invalidCombination("The request cannot contain empty CIDR and Netmask Length for a pool with no default allocation netmask length set. Exactly one of them should be provided.")
	}
	if err := checkNetmask(&r.bits, "NetmaskLength", p.AddressFamily); err != nil {
		return r, err
	}
	if err := checkAllocationRules(p, r.bits); err != nil {
		return r, err
	}
	if len(in.AllowedCidrs) > 0 || len(in.DisallowedCidrs) > 0 {
		r.cons = &cidr.Constraints{}
		for _, s := range in.AllowedCidrs {
			x, err := parseFamilyCIDR(s, "AllowedCidrs", p.AddressFamily)
			if err != nil {
				return r, err
			}
			r.cons.Allowed = append(r.cons.Allowed, x)
		}
		for _, s := range in.DisallowedCidrs {
			x, err := parseFamilyCIDR(s, "DisallowedCidrs", p.AddressFamily)
			if err != nil {
				return r, err
			}
			r.cons.Disallowed = append(r.cons.Disallowed, x)
		}
	}
	return r, nil
}

// ReleaseIpamPoolAllocation releases a custom allocation; its space is free
// again the moment the call returns.
func (s *Service) ReleaseIpamPoolAllocation(ctx context.Context, c Caller, in ReleaseIpamPoolAllocationInput) error {
	for _, req := range []struct{ v, n string }{{in.PoolID, "IpamPoolId"}, {in.CIDR, "Cidr"}, {in.AllocationID, "IpamPoolAllocationId"}} {
		if req.v == "" {
			return errorf(CodeMissingParameter, "The request must contain the parameter %s", req.n)
		}
	}
	defer s.gates.enter(in.PoolID)()
	return s.update(ctx, func(tx Tx, o *op) error {
		p, err := o.lockPool(tx, c, in.PoolID)
		if err != nil {
			return err
		}
		prefix, err := parseFamilyCIDR(in.CIDR, "Cidr", p.AddressFamily)
		if err != nil {
			return err
		}
		a, err := tx.GetAllocation(in.AllocationID)
		if errors.Is(err, ErrNotFound) || (err == nil && (a.PoolID != p.ID || a.CIDR != prefix)) {
			return invalidCombination("No allocation found for allocation ID %s and CIDR %s in pool %s.", in.AllocationID, prefix, p.ID)
		}
		if err != nil {
			return err
		}
		if a.ResourceType != ResourceCustom {
			return invalidValue("Only custom allocations can be released; allocation %s belongs to %s %s.", a.ID, a.ResourceType, a.ResourceID)
		}
		if in.DryRun {
			return errDryRun
		}
		if _, err := o.space(tx, p); err != nil {
			return err
		}
		if err := o.free(p, prefix); err != nil {
			return err
		}
		if err := tx.DeleteAllocation(a.ID); err != nil {
			return err
		}
		return o.bump(tx, p)
	})
}

// ModifyIpamPoolAllocation sets (or, when empty or omitted, removes) an
// allocation's description.
func (s *Service) ModifyIpamPoolAllocation(ctx context.Context, c Caller, in ModifyIpamPoolAllocationInput) (*Allocation, error) {
	if err := validateDescription(in.Description); err != nil {
		return nil, err
	}
	var out *Allocation
	err := s.update(ctx, func(tx Tx, _ *op) error {
		a, err := s.getAllocation(tx, c, in.AllocationID)
		if err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		a.Description = deref(in.Description, "")
		if err := tx.UpdateAllocation(a); err != nil {
			if errors.Is(err, ErrNotFound) {
				return allocationNotFound(in.AllocationID)
			}
			return err
		}
		out = a
		return nil
	})
	return out, err
}

func (s *Service) getAllocation(tx Tx, c Caller, id string) (*Allocation, error) {
	if id == "" {
		return nil, errorf(CodeMissingParameter, "The request must contain the parameter IpamPoolAllocationId")
	}
	a, err := tx.GetAllocation(id)
	if errors.Is(err, ErrNotFound) || (err == nil && a.OwnerID != c.AccountID) {
		return nil, allocationNotFound(id)
	}
	return a, err
}

var allocationFields = fields[*Allocation]{
	"ipam-pool-allocation-id": func(a *Allocation) []string { return str(a.ID) },
	"cidr":                    func(a *Allocation) []string { return []string{a.CIDR.String()} },
	"resource-id":             func(a *Allocation) []string { return str(a.ResourceID) },
	"resource-type":           func(a *Allocation) []string { return str(a.ResourceType) },
	"resource-owner":          func(a *Allocation) []string { return str(a.ResourceOwner) },
	"resource-region":         func(a *Allocation) []string { return str(a.ResourceRegion) },
	"description":             func(a *Allocation) []string { return str(a.Description) },
}

// describeAllocationFields adds the pool, since DescribeIpamPoolAllocations
// spans every pool of the account.
var describeAllocationFields = func() fields[*Allocation] {
	f := fields[*Allocation]{"ipam-pool-id": func(a *Allocation) []string { return str(a.PoolID) }}
	for k, v := range allocationFields {
		f[k] = v
	}
	return f
}()

func allocationTags(a *Allocation) []Tag { return a.Tags }

// GetIpamPoolAllocations lists a pool's allocations of every type and
// owner, in address order, with keyset pagination.
func (s *Service) GetIpamPoolAllocations(ctx context.Context, c Caller, in GetIpamPoolAllocationsInput) ([]*Allocation, string, error) {
	match, err := compileFilters(in.Filters, allocationFields, allocationTags)
	if err != nil {
		return nil, "", err
	}
	n, err := allocationLimits.size(in.MaxResults)
	if err != nil {
		return nil, "", err
	}
	scope := c.AccountID + "/" + in.PoolID + "/" + in.AllocationID
	pos, err := s.readToken(ctx, in.NextToken, "GetIpamPoolAllocations", scope)
	if err != nil {
		return nil, "", err
	}
	q := pushDown(in.Filters)
	q.PoolID = in.PoolID
	if q.After, err = parseCursor(pos, in.PoolID); err != nil {
		return nil, "", err
	}
	var items []*Allocation
	more := false
	err = s.view(ctx, func(tx Tx) error {
		if _, err := s.getPool(tx, c, in.PoolID); err != nil {
			return err
		}
		if in.AllocationID != "" {
			a, err := tx.GetAllocation(in.AllocationID)
			if errors.Is(err, ErrNotFound) || (err == nil && a.PoolID != in.PoolID) {
				return allocationNotFound(in.AllocationID)
			}
			if err != nil {
				return err
			}
			q.IDs = append(q.IDs[:0:0], in.AllocationID)
		}
		if in.DryRun {
			return errDryRun
		}
		items, more, err = collect(tx, q, match, n, len(in.Filters) > 0)
		return err
	})
	if err != nil || !more {
		return items, "", err
	}
	last := items[len(items)-1]
	next, err := s.makeToken(ctx, "GetIpamPoolAllocations", scope, cursorKey(last, false))
	return items, next, err
}

// DescribeIpamPoolAllocations lists the caller's allocations across all of
// its pools, ordered by pool and address.
func (s *Service) DescribeIpamPoolAllocations(ctx context.Context, c Caller, in DescribeIpamPoolAllocationsInput) ([]*Allocation, string, error) {
	match, err := compileFilters(in.Filters, describeAllocationFields, allocationTags)
	if err != nil {
		return nil, "", err
	}
	n, err := allocationLimits.size(in.MaxResults)
	if err != nil {
		return nil, "", err
	}
	pos, err := s.readToken(ctx, in.NextToken, "DescribeIpamPoolAllocations", c.AccountID)
	if err != nil {
		return nil, "", err
	}
	q := pushDown(in.Filters)
	q.OwnerID = c.AccountID
	if q.After, err = parseCursor(pos, ""); err != nil {
		return nil, "", err
	}
	var items []*Allocation
	more := false
	err = s.view(ctx, func(tx Tx) error {
		for _, id := range in.AllocationIDs {
			if _, err := s.getAllocation(tx, c, id); err != nil {
				return err
			}
		}
		if len(in.AllocationIDs) > 0 {
			q.IDs = in.AllocationIDs
		}
		if in.DryRun {
			return errDryRun
		}
		items, more, err = collect(tx, q, match, n, len(in.Filters) > 0)
		return err
	})
	if err != nil || !more {
		return items, "", err
	}
	next, err := s.makeToken(ctx, "DescribeIpamPoolAllocations", c.AccountID, cursorKey(items[len(items)-1], true))
	return items, next, err
}

// collect reads up to n matching allocations from the position in q, and
// whether more match after them. Filters the store cannot apply are checked
// here, reading ahead in batches.
func collect(tx Tx, q AllocationQuery, match matcher[*Allocation], n int, filtered bool) ([]*Allocation, bool, error) {
	batch := n + 1
	if filtered {
		batch = max(batch, 5000)
	}
	var out []*Allocation
	for {
		q.Limit = batch
		rows, err := tx.ListAllocations(q)
		if err != nil {
			return nil, false, err
		}
		for _, a := range rows {
			if !match(a) {
				continue
			}
			if len(out) == n {
				return out, true, nil
			}
			out = append(out, a)
		}
		if len(rows) < batch {
			return out, false, nil
		}
		last := rows[len(rows)-1]
		q.After = &AllocationCursor{PoolID: last.PoolID, Addr: last.CIDR.Addr(), Bits: last.CIDR.Bits()}
	}
}

// pushDown turns literal filter values on indexed columns into store
// constraints; the matcher still checks every filter, so this only narrows
// what is read.
func pushDown(filters []Filter) AllocationQuery {
	var q AllocationQuery
	seen := map[string]bool{}
	for _, f := range filters {
		if seen[f.Name] || len(f.Values) == 0 {
			continue
		}
		literal := true
		for _, v := range f.Values {
			literal = literal && isLiteral(v)
		}
		if !literal {
			continue
		}
		switch f.Name {
		case "ipam-pool-allocation-id":
			q.IDs = f.Values
		case "resource-id":
			q.ResourceIDs = f.Values
		case "resource-type":
			q.ResourceTypes = f.Values
		case "cidr":
			var ps []netip.Prefix
			for _, v := range f.Values {
				if p, err := netip.ParsePrefix(v); err == nil && p.Masked() == p {
					ps = append(ps, p)
				}
			}
			if len(ps) != len(f.Values) {
				continue // a value that is no CIDR matches nothing; leave it to the matcher
			}
			q.CIDRs = ps
		case "description":
			// Descriptions are valid UTF-8; a value that is not could
			// still match one as a pattern (both read as U+FFFD), which an
			// exact comparison in the store would miss.
			valid := true
			for _, v := range f.Values {
				valid = valid && utf8.ValidString(v)
			}
			if !valid {
				continue
			}
			q.Descriptions = f.Values
		default:
			continue
		}
		seen[f.Name] = true
	}
	return q
}

// cursorKey is an allocation's listing position: [pool/]addr-hex/bits.
func cursorKey(a *Allocation, withPool bool) string {
	k := hex.EncodeToString(a.CIDR.Addr().AsSlice()) + "/" + strconv.Itoa(a.CIDR.Bits())
	if withPool {
		k = a.PoolID + "/" + k
	}
	return k
}

func parseCursor(key, poolID string) (*AllocationCursor, error) {
	if key == "" {
		return nil, nil
	}
	parts := strings.Split(key, "/")
	if poolID == "" && len(parts) == 3 {
		poolID, parts = parts[0], parts[1:]
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("bad cursor %q", key) // signed by us: cannot happen
	}
	b, err1 := hex.DecodeString(parts[0])
	bits, err2 := strconv.Atoi(parts[1])
	addr, ok := netip.AddrFromSlice(b)
	if err1 != nil || err2 != nil || !ok {
		return nil, fmt.Errorf("bad cursor %q", key)
	}
	return &AllocationCursor{PoolID: poolID, Addr: addr, Bits: bits}, nil
}
