package ipam

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// GetIpamResourceCidrsInput is GetIpamResourceCidrs' request.
type GetIpamResourceCidrsInput struct {
	DryRun        bool
	ScopeID       string
	PoolID        string
	ResourceID    string
	ResourceType  string
	ResourceTag   *Tag
	ResourceOwner string
	Filters       []Filter
	Page
}

// resourceTypes are the botocore IpamResourceType values; ipamd has VPCs
// and subnets, so the others match nothing.
var resourceTypes = []string{"vpc", "subnet", "eip", "public-ipv4-pool", "ipv6-pool", "eni", "anycast-ip-list"}

var resourceCIDRFields = fields[*ResourceCIDR]{
	"resource-id":       func(r *ResourceCIDR) []string { return str(r.ResourceID) },
	"resource-type":     func(r *ResourceCIDR) []string { return str(r.ResourceType) },
	"resource-owner":    func(r *ResourceCIDR) []string { return str(r.OwnerID) },
	"resource-owner-id": func(r *ResourceCIDR) []string { return str(r.OwnerID) },
	"resource-region":   func(r *ResourceCIDR) []string { return str(r.Region) },
	"resource-cidr":     func(r *ResourceCIDR) []string { return str(r.CIDR.String()) },
	"resource-name":     func(r *ResourceCIDR) []string { return str(r.Name) },
	"vpc-id":            func(r *ResourceCIDR) []string { return str(r.VpcID) },
	"ipam-pool-id":      func(r *ResourceCIDR) []string { return str(r.PoolID) },
	"management-state":  func(r *ResourceCIDR) []string { return str(r.Management) },
	"compliance-status": func(r *ResourceCIDR) []string { return str(r.Compliance) },
	"overlap-status":    func(r *ResourceCIDR) []string { return str(r.OverlapStatus()) },
	"availability-zone-id": func(r *ResourceCIDR) []string {
		return str(r.AZID)
	},
}

// GetIpamResourceCidrs lists the resource CIDRs of a scope. Statuses are
// stored with each block and kept current by every change, so a page costs
// the rows it reads.
func (s *Service) GetIpamResourceCidrs(ctx context.Context, c Caller, in GetIpamResourceCidrsInput) ([]*ResourceCIDR, string, error) {
	match, err := compileFilters(in.Filters, resourceCIDRFields, func(r *ResourceCIDR) []Tag { return r.Tags })
	if err != nil {
		return nil, "", err
	}
	if in.ResourceType != "" && !slices.Contains(resourceTypes, in.ResourceType) {
		return nil, "", invalidValue("Value (%s) for parameter ResourceType is invalid. Expecting one of %v.", echo(in.ResourceType), resourceTypes)
	}
	if in.ResourceTag != nil && in.ResourceTag.Key == "" {
		return nil, "", errorf(CodeMissingParameter, "The request must contain the parameter ResourceTag.Key")
	}
	err = s.view(ctx, func(tx Tx) error {
		if _, err := s.getScope(tx, c, in.ScopeID); err != nil {
			return err
		}
		if in.PoolID != "" {
			p, err := s.getPool(tx, c, in.PoolID)
			if err != nil {
				return err
			}
			if p.ScopeID != in.ScopeID {
				return invalidValue("The IPAM pool %s is not in the scope %s.", p.ID, in.ScopeID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	filter := func(r *ResourceCIDR) bool {
		switch {
		case in.ResourceOwner != "" && r.OwnerID != in.ResourceOwner,
			in.ResourceTag != nil && !hasTag(r.Tags, *in.ResourceTag):
			return false
		}
		return match(r)
	}
	q := ResourceCIDRQuery{ScopeID: in.ScopeID, PoolID: in.PoolID, ResourceID: in.ResourceID, ResourceType: in.ResourceType}
	// Filters on one literal id narrow the store's scan (the matcher still
	// checks every row).
	if lit := literals(in.Filters, "resource-id"); q.ResourceID == "" && len(lit) == 1 {
		q.ResourceID = lit[0]
	}
	if lit := literals(in.Filters, "vpc-id"); len(lit) == 1 {
		q.VpcID = lit[0]
	}
	return scanPage(s, ctx, "GetIpamResourceCidrs", c.AccountID+"/"+in.ScopeID, in.Page, describeLimits,
		func(tx Tx, after string, limit int) ([]*ResourceCIDR, error) {
			q.After, q.Limit = after, limit
			return tx.ListResourceCIDRs(q)
		}, (*ResourceCIDR).Key, filter)
}

// hasTag reports whether tags has t; an empty Value matches any value.
func hasTag(tags []Tag, t Tag) bool {
	for _, x := range tags {
		if x.Key == t.Key && (t.Value == "" || x.Value == t.Value) {
			return true
		}
	}
	return false
}

// ModifyIpamResourceCidrInput is ModifyIpamResourceCidr's request.
type ModifyIpamResourceCidrInput struct {
	DryRun           bool
	ResourceID       string
	ResourceCIDR     string
	ResourceRegion   string
	CurrentScopeID   string
	DestinationScope string
	Monitored        *bool
}

// rowEdit is what ModifyIpamResourceCidr changes of one block.
type rowEdit struct {
	monitored bool
	scope     string // "": stays
}

func (in *ModifyIpamResourceCidrInput) check() (netip.Prefix, error) {
	for _, p := range []struct{ name, v string }{
		{"ResourceId", in.ResourceID}, {"ResourceCidr", in.ResourceCIDR},
		{"ResourceRegion", in.ResourceRegion}, {"CurrentIpamScopeId", in.CurrentScopeID},
	} {
		if p.v == "" {
			return netip.Prefix{}, missing(p.name)
		}
	}
	if in.Monitored == nil {
		return netip.Prefix{}, missing("Monitored")
	}
	p, err := parseNetwork(in.ResourceCIDR, "ResourceCidr")
	if err != nil {
		return netip.Prefix{}, err
	}
	if err := validateRegions([]string{in.ResourceRegion}, "ResourceRegion"); err != nil {
		return netip.Prefix{}, err
	}
	return p, nil
}

// ModifyIpamResourceCidr marks a resource CIDR monitored or ignored, and
// moves an unmanaged one to another scope of its IPAM.
func (s *Service) ModifyIpamResourceCidr(ctx context.Context, c Caller, in ModifyIpamResourceCidrInput) (*ResourceCIDR, error) {
	p, err := in.check()
	if err != nil {
		return nil, err
	}
	var ipamID, vpcID string
	err = s.update(ctx, func(tx Tx, o *op) error {
		cur, err := s.getScope(tx, c, in.CurrentScopeID)
		if err != nil {
			return err
		}
		ipamID = cur.IpamID
		rows, err := tx.ListResourceCIDRs(ResourceCIDRQuery{ScopeID: cur.ID, ResourceID: in.ResourceID})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rows, func(r *ResourceCIDR) bool { return r.CIDR == p && r.Region == in.ResourceRegion })
		if i < 0 {
			return invalidValue("The resource CIDR %s of %s in %s is not in the scope %s.", p, echo(in.ResourceID), echo(in.ResourceRegion), cur.ID)
		}
		r := rows[i]
		edit := rowEdit{monitored: *in.Monitored}
		if d := in.DestinationScope; d != "" && d != cur.ID {
			dst, err := s.getScope(tx, c, d)
			if err != nil {
				return err
			}
			switch {
			case dst.IpamID != cur.IpamID:
				return invalidValue("The scope %s belongs to another IPAM than %s: a resource CIDR moves only between scopes of its IPAM.", dst.ID, cur.ID)
			case r.Management == Managed:
				return invalidValue("The resource CIDR %s is allocated from the IPAM pool %s of the scope %s and cannot move to another scope.", p, r.PoolID, cur.ID)
			}
			edit.scope = dst.ID
		}
		if in.DryRun {
			return errDryRun
		}
		if o.mon.edits == nil {
			o.mon.edits = map[string]rowEdit{}
		}
		o.mon.edits[r.IpamID+" "+r.Key()] = edit
		vpcID = r.VpcID
		return o.noteResource(tx, r)
	})
	if err != nil {
		return nil, err
	}
	var out *ResourceCIDR
	err = s.view(ctx, func(tx Tx) error {
		rows, err := tx.ResourceCIDRsOf(vpcID, in.ResourceID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.IpamID == ipamID && r.CIDR == p {
				out = r
			}
		}
		if out == nil {
			return fmt.Errorf("resource cidr %s of %s: %w", p, in.ResourceID, ErrNotFound)
		}
		return nil
	})
	return out, err
}

// GetIpamAddressHistoryInput is GetIpamAddressHistory's request.
type GetIpamAddressHistoryInput struct {
	DryRun     bool
	CIDR       string
	ScopeID    string
	VpcID      string
	StartTime  *time.Time
	EndTime    *time.Time
	MaxResults *int
	NextToken  string
}

var historyLimits = pageLimits{min: 1, max: 1000, def: 100}

// GetIpamAddressHistory lists the spans during which resources held
// exactly this CIDR in the scope, oldest first.
func (s *Service) GetIpamAddressHistory(ctx context.Context, c Caller, in GetIpamAddressHistoryInput) ([]*HistoryRecord, string, error) {
	q, err := s.historyQuery(in)
	if err != nil {
		return nil, "", err
	}
	n, err := historyLimits.size(in.MaxResults)
	if err != nil {
		return nil, "", err
	}
	owner := c.AccountID + "/" + in.ScopeID + "/" + q.CIDR.String()
	if q.After, err = s.readToken(ctx, in.NextToken, "GetIpamAddressHistory", owner); err != nil {
		return nil, "", err
	}
	q.Limit = n + 1
	var out []*HistoryRecord
	err = s.view(ctx, func(tx Tx) error {
		if _, err := s.getScope(tx, c, in.ScopeID); err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		stored, err := tx.AddressHistory(q)
		if err != nil {
			return err
		}
		open, err := tx.ResourceCIDRsAt(q.ScopeID, q.CIDR)
		out = withOpenSpans(stored, open, q)
		return err
	})
	if err != nil || len(out) <= n {
		return out, "", err
	}
	out = out[:n]
	next, err := s.makeToken(ctx, "GetIpamAddressHistory", owner, out[n-1].ID)
	return out, next, err
}

// withOpenSpans merges into stored (q's stored records, at most q.Limit,
// in id order) the spans that still last of rows, the blocks that are
// q.CIDR now (Tx.ResourceCIDRsAt), that q selects, and keeps the first
// q.Limit in id order. A span that lasts meets every window from its start.
func withOpenSpans(stored []*HistoryRecord, rows []*ResourceCIDR, q HistoryQuery) []*HistoryRecord {
	out := stored
	for _, r := range rows {
		if r.HistoryID == "" || r.HistoryID <= q.After || r.Since.After(q.To) || (q.VpcID != "" && r.VpcID != q.VpcID) {
			continue
		}
		out = append(out, r.spanRecord())
	}
	if len(out) == len(stored) {
		return out
	}
	slices.SortFunc(out, func(a, b *HistoryRecord) int { return strings.Compare(a.ID, b.ID) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func (s *Service) historyQuery(in GetIpamAddressHistoryInput) (HistoryQuery, error) {
	if in.CIDR == "" {
		return HistoryQuery{}, missing("Cidr")
	}
	if in.ScopeID == "" {
		return HistoryQuery{}, missing("IpamScopeId")
	}
	p, err := parseNetwork(in.CIDR, "Cidr")
	if err != nil {
		return HistoryQuery{}, err
	}
	end := time.Now()
	if in.EndTime != nil {
		end = *in.EndTime
	}
	start := end
	if in.StartTime != nil {
		start = *in.StartTime
	}
	if start.After(end) {
		return HistoryQuery{}, invalidValue("The StartTime %s is after the EndTime %s.", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	return HistoryQuery{ScopeID: in.ScopeID, CIDR: p, VpcID: in.VpcID, From: clampNano(start), To: clampNano(end)}, nil
}

// The instants that nanoseconds since 1970 in an int64 can name: the stores
// keep span times so, and a window bound outside them (StartTime in the
// year 1000, EndTime in 3000) would wrap around instead of meaning "all".
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// clampNano brings t into [minNanoTime, maxNanoTime]; no span lies outside.
func clampNano(t time.Time) time.Time {
	switch {
	case t.Before(minNanoTime):
		return minNanoTime
	case t.After(maxNanoTime):
		return maxNanoTime
	}
	return t
}

// parseNetwork parses a CIDR that must be a network address.
func parseNetwork(v, param string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return netip.Prefix{}, invalidValue("The %s '%s' is not a valid CIDR.", param, echo(v))
	}
	if p != p.Masked() {
		return netip.Prefix{}, invalidValue("The %s '%s' is not a network address: did you mean %s?", param, echo(v), p.Masked())
	}
	return p, nil
}

// PruneAddressHistory drops the history records that ended before cutoff,
// a bounded batch per transaction, and says how many it dropped.
func (s *Service) PruneAddressHistory(ctx context.Context, cutoff time.Time) (int, error) {
	const batch = 10000
	total := 0
	for {
		var n int
		err := s.store.Update(ctx, func(tx Tx) error {
			var err error
			n, err = tx.PruneHistory(cutoff, batch)
			return err
		})
		if err != nil {
			return total, domainErr(err)
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// DefaultHistoryRetention is how long address history is kept after a span
// ends: three years, as on AWS.
const DefaultHistoryRetention = 3 * 365 * 24 * time.Hour

// historyPruneEvery is how often KeepHistory prunes.
const historyPruneEvery = time.Hour

// KeepHistory prunes the address history to retention now and every hour
// until ctx ends. Every node may run it: pruning is idempotent.
func (s *Service) KeepHistory(ctx context.Context, retention time.Duration, log *slog.Logger) {
	t := time.NewTicker(historyPruneEvery)
	defer t.Stop()
	for {
		n, err := s.PruneAddressHistory(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("pruning address history", "err", err)
		case n > 0:
			log.Info("pruned address history", "records", n, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
