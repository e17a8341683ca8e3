package postgres

import (
	"encoding/json"
	"sync"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
)

// A group transaction's new resource CIDR rows mostly agree on ten of
// their columns (the IPAM, scope, pool, owner, Region, type, management,
// compliance, moved, the span's start): they go out as one INSERT per set
// of those values, sent once, and twelve parameters a row, not 23. The key
// is computed by the server (resource_id || ' ' || cidr, as
// ResourceCIDR.Key). Encoding a row's parameters was the larger part of
// what a VPC's monitoring cost ipamd on PostgreSQL (docs/benchmarks.md,
// session 12).

// sharedCols are the columns a waiting row shares with its group.
type sharedCols struct {
	ipamID, scopeID, owner, region, typ, poolID, management, compliance string
	moved                                                               bool
	since                                                               int64
}

func (s sharedCols) args() []any {
	return []any{s.ipamID, s.scopeID, s.owner, s.region, s.typ, s.poolID, s.management, s.compliance, s.moved, s.since}
}

// waitingResourceCIDR is a resource CIDR row waiting to be inserted.
type waitingResourceCIDR struct {
	shared sharedCols
	own    []any // in the order of insertResourceCIDRGroupSQL's VALUES columns
}

func newWaitingResourceCIDR(r *ipam.ResourceCIDR) (waitingResourceCIDR, error) {
	tags := jsonNull
	if len(r.Tags) > 0 {
		var err error
		if tags, err = json.Marshal(r.Tags); err != nil {
			return waitingResourceCIDR{}, err
		}
	}
	lo, hi := blockDecimals(r.CIDR)
	return waitingResourceCIDR{
		shared: sharedCols{r.IpamID, r.ScopeID, r.OwnerID, r.Region, r.ResourceType, r.PoolID, r.Management, r.Compliance,
			r.Moved, r.Since.UnixNano()},
		own: []any{r.ResourceID, r.CIDR.String(), r.VpcID, r.Name, r.AZID, tags, r.Overlaps, r.Covered, r.HistoryID,
			family(r.CIDR), lo, hi},
	}, nil
}

// queueResourceCIDRGroups queues the rows' INSERTs on b: one per set of
// shared values, in the order of the rows that first have them, at most
// maxRowsPerStatement rows each.
func queueResourceCIDRGroups(b *pgx.Batch, rows []waitingResourceCIDR) {
	for len(rows) > 0 {
		s := rows[0].shared
		args, n := s.args(), 0
		rest := rows[:0] // written behind the rows read
		for _, r := range rows {
			switch {
			case r.shared != s:
				rest = append(rest, r)
			case n == maxRowsPerStatement:
				b.Queue(insertResourceCIDRGroupSQL(n), args...)
				args, n = append(s.args(), r.own...), 1
			default:
				args, n = append(args, r.own...), n+1
			}
		}
		b.Queue(insertResourceCIDRGroupSQL(n), args...)
		rows = rest
	}
}

var insertResourceCIDRGroupSQLs sync.Map // n -> SQL

func insertResourceCIDRGroupSQL(n int) string {
	return cachedSQL(&insertResourceCIDRGroupSQLs, n, func() string {
		return `INSERT INTO resource_cidrs (ipam_id, scope_id, owner, region, resource_type, pool_id, management,
				compliance, moved, since, resource_id, cidr, vpc_id, name, az_id, tags, overlap_count, covered,
				history_id, family, lo, hi, rkey)
			SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::boolean,
				$10::bigint, v.*, v.resource_id || ' ' || v.cidr
			FROM (VALUES ` + valuesSQL(n, 11, "::text", "::text", "::text", "::text", "::text", "::jsonb", "::integer",
			"::double precision", "::text", "::smallint", "::text::numeric", "::text::numeric") + `)
			AS v(resource_id, cidr, vpc_id, name, az_id, tags, overlap_count, covered, history_id, family, lo, hi)`
	})
}
