package postgres

import (
	"net/netip"

	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/jackc/pgx/v5"
)

// pendingRows are the allocation and token rows a transaction inserted
// under a pool's lock and has not sent yet. They go out at the head of the
// next round trip as one INSERT per table, over unnest(arrays) for more
// than one row: a batch of allocations pays one statement's executor
// start-up (its indexes, CHECKs and exclusion constraints opened once)
// instead of one per row. Nothing in
// the same round trip depends on the order between these rows and the
// other waiting statements (a pool's version row, its change log), and
// every later statement sees them.
type pendingRows struct {
	allocs allocColumns
	tokens tokenColumns
}

type allocColumns struct {
	id, pool, owner                            []string
	cidr                                       []netip.Prefix
	addr, last                                 [][]byte
	bits                                       []int32
	resID, resType, resRegion, resOwner, descr []string
	tags                                       []string // "" for NULL
}

type tokenColumns struct {
	owner, action, token, hash []string
	result                     [][]byte
}

func (c *allocColumns) add(id, pool, owner string, net netip.Prefix, resID, resType, resRegion, resOwner, descr string, tags []byte) {
	c.id = append(c.id, id)
	c.pool = append(c.pool, pool)
	c.owner = append(c.owner, owner)
	c.cidr = append(c.cidr, net)
	c.addr = append(c.addr, net.Addr().AsSlice())
	c.last = append(c.last, cidr.LastAddr(net).AsSlice())
	c.bits = append(c.bits, int32(net.Bits()))
	c.resID = append(c.resID, resID)
	c.resType = append(c.resType, resType)
	c.resRegion = append(c.resRegion, resRegion)
	c.resOwner = append(c.resOwner, resOwner)
	c.descr = append(c.descr, descr)
	c.tags = append(c.tags, string(tags))
}

func (c *tokenColumns) add(owner, action, token, hash string, result []byte) {
	c.owner = append(c.owner, owner)
	c.action = append(c.action, action)
	c.token = append(c.token, token)
	c.hash = append(c.hash, hash)
	c.result = append(c.result, result)
}

const insertAllocations = `INSERT INTO allocations
	(id, pool_id, owner, cidr, addr, last, bits, resource_id, resource_type, resource_region, resource_owner, description, tags)
	SELECT id, pool_id, owner, cidr, addr, last, bits, resource_id, resource_type, resource_region, resource_owner, description,
		NULLIF(tags, '')::jsonb
	FROM unnest($1::text[], $2::text[], $3::text[], $4::cidr[], $5::bytea[], $6::bytea[], $7::integer[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
	AS u(id, pool_id, owner, cidr, addr, last, bits, resource_id, resource_type, resource_region, resource_owner, description, tags)`

// insertAllocationRows is insertAllocations for a group transaction's few
// rows (at most maxValuesAllocations), the common case (a VPC's or
// subnet's block): a VALUES list of parameters costs the server less than
// a function scan over arrays (measured in a group of subnets: 135 against
// 430 µs of server time per statement; docs/benchmarks.md, session 10),
// and what the rows share (pool, owner, resource type, Region and owner)
// goes once (sharedInsert).
var insertAllocationRows = &sharedInsert{
	head: `INSERT INTO allocations (pool_id, owner, resource_type, resource_region, resource_owner,
		id, cidr, addr, last, bits, resource_id, description, tags) SELECT `,
	shared: []string{"::text", "::text", "::text", "::text", "::text"},
	own:    []string{"::text", "::cidr", "::bytea", "::bytea", "::integer", "::text", "::text", "::text::jsonb"},
	alias:  "AS v(id, cidr, addr, last, bits, resource_id, description, tags)",
}

// allocShared are the columns of insertAllocationRows' shared parameters.
type allocShared struct{ pool, owner, resType, resRegion, resOwner string }

func (s allocShared) args() []any { return []any{s.pool, s.owner, s.resType, s.resRegion, s.resOwner} }

// maxValuesAllocations is the most rows sent as a VALUES list. A bulk
// insert's thousands go by unnest, one parameter per column.
const maxValuesAllocations = 64

const insertTokens = `INSERT INTO client_tokens (owner, action, token, params_hash, result)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[])`

// queue adds the pending rows' INSERTs to b and forgets them. A plain
// INSERT, not ON CONFLICT DO NOTHING: a refusal (an overlap's 23P01, a
// duplicate's 23505) aborts the transaction, so nothing after it, COMMIT
// included, takes effect without it.
func (p *pendingRows) queue(b *pgx.Batch) {
	if a := &p.allocs; len(a.id) > 0 && len(a.id) <= maxValuesAllocations {
		queueShared(b, insertAllocationRows, len(a.id),
			func(i int) allocShared {
				return allocShared{a.pool[i], a.owner[i], a.resType[i], a.resRegion[i], a.resOwner[i]}
			},
			allocShared.args,
			func(args []any, i int) []any {
				var tags any // NULL
				if a.tags[i] != "" {
					tags = a.tags[i]
				}
				return append(args, a.id[i], a.cidr[i], a.addr[i], a.last[i], a.bits[i], a.resID[i], a.descr[i], tags)
			})
		*a = allocColumns{}
	} else if len(a.id) > 0 {
		b.Queue(insertAllocations, a.id, a.pool, a.owner, a.cidr, a.addr, a.last, a.bits,
			a.resID, a.resType, a.resRegion, a.resOwner, a.descr, a.tags)
		*a = allocColumns{}
	}
	if k := &p.tokens; len(k.token) > 0 {
		b.Queue(insertTokens, k.owner, k.action, k.token, k.hash, k.result)
		*k = tokenColumns{}
	}
}
