package postgres

import (
	"net/netip"
	"sync"

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

// insertAllocation is insertAllocations for one row, the common case (a
// VPC's or subnet's block): a function scan over arrays costs more than
// the row's own inserts (measured in a group of subnets: 430 against 135 µs
// of server time per statement).
const insertAllocation = `INSERT INTO allocations
	(id, pool_id, owner, cidr, addr, last, bits, resource_id, resource_type, resource_region, resource_owner, description, tags)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text::jsonb)`

// maxValuesAllocations is the most rows sent as a VALUES list: a group
// transaction's few blocks. A bulk insert's thousands go by unnest, one
// parameter per column.
const maxValuesAllocations = 64

// insertAllocationsValues is insertAllocation for n rows: a VALUES list of
// parameters costs the server less than unnest over arrays for a group
// transaction's rows (docs/benchmarks.md, session 10).
func insertAllocationsValues(n int) string {
	return cachedSQL(&insertAllocationsSQLs, n, func() string {
		return `INSERT INTO allocations
			(id, pool_id, owner, cidr, addr, last, bits, resource_id, resource_type, resource_region, resource_owner, description, tags)
			VALUES ` + valuesSQL(n, 1, "::text", "::text", "::text", "::cidr", "::bytea", "::bytea", "::integer",
			"::text", "::text", "::text", "::text", "::text", "::text::jsonb")
	})
}

var insertAllocationsSQLs sync.Map // n -> SQL

const insertTokens = `INSERT INTO client_tokens (owner, action, token, params_hash, result)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[])`

// queue adds the pending rows' INSERTs to b and forgets them. A plain
// INSERT, not ON CONFLICT DO NOTHING: a refusal (an overlap's 23P01, a
// duplicate's 23505) aborts the transaction, so nothing after it, COMMIT
// included, takes effect without it.
func (p *pendingRows) queue(b *pgx.Batch) {
	if a := &p.allocs; len(a.id) == 1 {
		var tags any // NULL
		if a.tags[0] != "" {
			tags = a.tags[0]
		}
		b.Queue(insertAllocation, a.id[0], a.pool[0], a.owner[0], a.cidr[0], a.addr[0], a.last[0], a.bits[0],
			a.resID[0], a.resType[0], a.resRegion[0], a.resOwner[0], a.descr[0], tags)
		*a = allocColumns{}
	} else if n := len(a.id); n > 0 && n <= maxValuesAllocations {
		args := make([]any, 0, 13*n)
		for i := range n {
			var tags any // NULL
			if a.tags[i] != "" {
				tags = a.tags[i]
			}
			args = append(args, a.id[i], a.pool[i], a.owner[i], a.cidr[i], a.addr[i], a.last[i], a.bits[i],
				a.resID[i], a.resType[i], a.resRegion[i], a.resOwner[i], a.descr[i], tags)
		}
		b.Queue(insertAllocationsValues(n), args...)
		*a = allocColumns{}
	} else if n > 0 {
		b.Queue(insertAllocations, a.id, a.pool, a.owner, a.cidr, a.addr, a.last, a.bits,
			a.resID, a.resType, a.resRegion, a.resOwner, a.descr, a.tags)
		*a = allocColumns{}
	}
	if k := &p.tokens; len(k.token) > 0 {
		b.Queue(insertTokens, k.owner, k.action, k.token, k.hash, k.result)
		*k = tokenColumns{}
	}
}
