package postgres

import (
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
)

// A group transaction's new resource CIDR rows mostly agree on ten of
// their columns (the IPAM, scope, pool, owner, Region, type, management,
// compliance, moved, the span's start): they go out by sharedInsert, and
// the key is computed by the server (resource_id || ' ' || cidr, as
// ResourceCIDR.Key).

// rcidrShared are the columns a waiting row shares with its group.
type rcidrShared struct {
	ipamID, scopeID, owner, region, typ, poolID, management, compliance string
	moved                                                               bool
	since                                                               int64
}

func (s rcidrShared) args() []any {
	return []any{s.ipamID, s.scopeID, s.owner, s.region, s.typ, s.poolID, s.management, s.compliance, s.moved, s.since}
}

// waitingResourceCIDR is a resource CIDR row waiting to be inserted.
type waitingResourceCIDR struct {
	shared rcidrShared
	own    []any // in the order of insertResourceCIDRsShared's own columns
}

func newWaitingResourceCIDR(r *ipam.ResourceCIDR) (waitingResourceCIDR, error) {
	tags, err := rowTagsJSON(r.Tags)
	if err != nil {
		return waitingResourceCIDR{}, err
	}
	lo, hi := blockDecimals(r.CIDR)
	return waitingResourceCIDR{
		shared: rcidrShared{r.IpamID, r.ScopeID, r.OwnerID, r.Region, r.ResourceType, r.PoolID, r.Management, r.Compliance,
			r.Moved, r.Since.UnixNano()},
		own: []any{r.ResourceID, r.CIDR.String(), r.VpcID, r.Name, r.AZID, tags, r.Overlaps, r.Covered, r.HistoryID,
			family(r.CIDR), lo, hi},
	}, nil
}

// queueResourceCIDRGroups queues the rows' INSERTs on b (sharedInsert).
func queueResourceCIDRGroups(b *pgx.Batch, rows []waitingResourceCIDR) {
	queueShared(b, insertResourceCIDRsShared, len(rows), func(i int) rcidrShared { return rows[i].shared }, rcidrShared.args,
		func(args []any, i int) []any { return append(args, rows[i].own...) })
}

var insertResourceCIDRsShared = &sharedInsert{
	head: `INSERT INTO resource_cidrs (ipam_id, scope_id, owner, region, resource_type, pool_id, management, compliance,
		moved, since, resource_id, cidr, vpc_id, name, az_id, tags, overlap_count, covered, history_id, family, lo, hi,
		rkey) SELECT `,
	shared: []string{"::text", "::text", "::text", "::text", "::text", "::text", "::text", "::text", "::boolean", "::bigint"},
	own: []string{"::text", "::text", "::text", "::text", "::text", "::jsonb", "::integer", "::double precision", "::text",
		"::smallint", "::text::numeric", "::text::numeric"},
	alias: "AS v(resource_id, cidr, vpc_id, name, az_id, tags, overlap_count, covered, history_id, family, lo, hi)",
	tail:  ", v.resource_id || ' ' || v.cidr",
}
