package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/vpcdoc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// VPCs and subnets (migration 0006).

// InsertVPC sends nothing itself: the VPC and its association rows wait
// with the transaction's other new rows (waiting.go), so a batch of
// CreateVpc calls under a pool's lock costs no round trip per VPC, and one
// INSERT per table in all. They can only be refused for a duplicate id
// (random 64-bit ids), which aborts the transaction and fails it as
// ErrConflict when they go out.
func (t *tx) InsertVPC(v *ipam.VPC) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if t.done {
		return errTxDone
	}
	w := &t.waiting
	w.vpcs = append(w.vpcs, v.ID, v.OwnerID, doc)
	w.vpcCIDRs = appendVPCCIDRs(w.vpcCIDRs, v)
	if !t.waits() {
		// Aborted, or nothing went out yet (commit would send nothing): now.
		return t.sendAll(func(*pgx.Batch) {})
	}
	return nil
}

var (
	insertVPCs     = &multiInsert{head: "INSERT INTO vpcs (id, owner, doc) VALUES ", casts: []string{"::text", "::text", "::jsonb"}}
	insertVPCCIDRs = &multiInsert{head: "INSERT INTO vpc_cidrs (association_id, cidr, vpc_id, owner) VALUES ",
		casts: []string{"::text", "::cidr", "::text", "::text"}}
)

// appendVPCCIDRs appends the values of the VPC's association rows.
func appendVPCCIDRs(args []any, v *ipam.VPC) []any {
	for _, c := range v.CIDRs {
		args = append(args, c.AssociationID, c.CIDR, v.ID, v.OwnerID)
	}
	return args
}

// putVPCCIDRs makes the VPC's association rows what its doc says.
func (t *tx) putVPCCIDRs(v *ipam.VPC) error {
	return t.sendAll(func(b *pgx.Batch) {
		b.Queue("DELETE FROM vpc_cidrs WHERE vpc_id = $1", v.ID)
		insertVPCCIDRs.queue(b, appendVPCCIDRs(nil, v))
	})
}

func (t *tx) UpdateVPC(v *ipam.VPC) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := t.execOne("vpc", v.ID, "UPDATE vpcs SET owner = $2, doc = $3 WHERE id = $1", v.ID, v.OwnerID, doc); err != nil {
		return err
	}
	return t.putVPCCIDRs(v)
}

func (t *tx) DeleteVPC(id string) error {
	// Its association rows too: no foreign key deletes them (0015).
	var n int64
	err := t.sendAll(func(b *pgx.Batch) {
		b.Queue("DELETE FROM vpc_cidrs WHERE vpc_id = $1", id)
		b.Queue("DELETE FROM vpcs WHERE id = $1", id).Exec(func(tag pgconn.CommandTag) error {
			n = tag.RowsAffected()
			return nil
		})
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("vpc %s: %w", id, ipam.ErrNotFound)
	}
	return err
}

func (t *tx) GetVPC(owner, id string) (*ipam.VPC, error) {
	return t.vpc(owner, id, "")
}

// LockVPC takes the VPC's row lock; ShareVPC a share lock, which keeps it
// from being changed or deleted while subnets are created in it.
func (t *tx) LockVPC(owner, id string) (*ipam.VPC, error)  { return t.vpc(owner, id, " FOR UPDATE") }
func (t *tx) ShareVPC(owner, id string) (*ipam.VPC, error) { return t.vpc(owner, id, " FOR SHARE") }

// subnetContextQuery is one ipam.SubnetRead in a batch (LockPoolsChanges).
// The blocks are read after the VPC's share lock is granted (READ
// COMMITTED: each statement sees what committed before it began); if the
// VPC is not the caller's, they are dropped unseen.
type subnetContextQuery struct {
	doc     string
	missing bool
	res     ipam.SubnetReadResult
}

func (q *subnetContextQuery) queue(b *pgx.Batch, r ipam.SubnetRead) {
	if r.VpcID != "" {
		q.queueVPC(b, r)
	}
	next := appendDoc(&q.res.IPAMs)
	b.Queue(listIPAMsSQL, r.Owner).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := next(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// queueVPC queues the VPC's share lock and its subnets' blocks.
func (q *subnetContextQuery) queueVPC(b *pgx.Batch, r ipam.SubnetRead) {
	fam := 4
	if r.IPv6 {
		fam = 6
	}
	b.Queue("SELECT doc FROM vpcs WHERE id = $1 AND owner = $2 FOR SHARE", r.VpcID, r.Owner).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&q.doc)
		if errors.Is(err, pgx.ErrNoRows) {
			q.missing = true
			return nil
		}
		return err
	})
	b.Queue("SELECT cidr FROM subnet_blocks WHERE vpc_id = $1 AND family(cidr) = $2", r.VpcID, fam).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var p netip.Prefix
			if err := rows.Scan(&p); err != nil {
				return err
			}
			q.res.Blocks = append(q.res.Blocks, p)
		}
		return rows.Err()
	})
}

// result is the answer once the batch ran: ErrNotFound for a VPC that is
// missing or another account's.
func (q *subnetContextQuery) result(vpcID string) ipam.SubnetReadResult {
	if vpcID == "" {
		return q.res // the IPAMs alone
	}
	if q.missing {
		return ipam.SubnetReadResult{Err: fmt.Errorf("vpc %s: %w", vpcID, ipam.ErrNotFound)}
	}
	v := new(ipam.VPC)
	if err := vpcdoc.VPC(q.doc, v); err != nil {
		return ipam.SubnetReadResult{Err: err}
	}
	q.res.VPC = v
	return q.res
}

func (t *tx) vpc(owner, id, lock string) (*ipam.VPC, error) {
	return getResource(t, "vpc", id, vpcdoc.VPC, "SELECT doc FROM vpcs WHERE id = $1 AND owner = $2"+lock, id, owner)
}

func (t *tx) VPCByAssociation(owner, associationID string) (*ipam.VPC, error) {
	return getResource(t, "vpc cidr association", associationID, vpcdoc.VPC,
		"SELECT v.doc FROM vpc_cidrs c JOIN vpcs v ON v.id = c.vpc_id WHERE c.association_id = $1 AND c.owner = $2",
		associationID, owner)
}

// getResource reads one VPC or subnet document (vpcdoc decodes it).
func getResource[T any](t *tx, what, id string, decode func(string, *T) error, sql string, args ...any) (*T, error) {
	var doc string
	if err := t.queryRow(sql, args, &doc); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, id, err)
	}
	v := new(T)
	if err := decode(doc, v); err != nil {
		return nil, err
	}
	return v, nil
}

// listResources decodes a VPC or subnet document a row. The documents are
// scanned as strings (one copy, which the decoded fields then share) and
// the items are allocated a chunk at a time.
func listResources[T any](t *tx, decode func(string, *T) error, sql string, args ...any) ([]*T, error) {
	var out []*T
	var chunk []T
	var doc string
	err := t.query(sql, args, func(rows pgx.Rows) error {
		if err := rows.Scan(&doc); err != nil {
			return err
		}
		if len(chunk) == 0 {
			chunk = make([]T, min(max(len(out), 8), 256))
		}
		v := &chunk[0]
		chunk = chunk[1:]
		if err := decode(doc, v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// idQuery builds "SELECT doc FROM table WHERE owner = $1 [AND id IN (...)]
// [AND vpc_id IN (...)] AND id > $n ORDER BY id [LIMIT n]" with literal
// placeholders: a prepared "= ANY($n)" may keep a generic plan that walks
// the owner's index instead of seeking the ids.
func idQuery(table string, q ipam.ResourceQuery, byVPC bool) (string, []any) {
	var b strings.Builder
	args := []any{q.OwnerID}
	b.WriteString("SELECT doc FROM " + table + " WHERE owner = $1")
	in := func(col string, vals []string) {
		b.WriteString(" AND " + col + " IN (")
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			args = append(args, v)
			b.WriteString("$" + strconv.Itoa(len(args)))
		}
		b.WriteByte(')')
	}
	if len(q.IDs) > 0 {
		in("id", q.IDs)
	}
	if byVPC && len(q.VpcIDs) > 0 {
		in("vpc_id", q.VpcIDs)
	}
	args = append(args, q.After)
	b.WriteString(" AND id > $" + strconv.Itoa(len(args)) + " ORDER BY id")
	if q.Limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d", q.Limit)
	}
	return b.String(), args
}

func (t *tx) ListVPCs(q ipam.ResourceQuery) ([]*ipam.VPC, error) {
	query, args := idQuery("vpcs", q, false)
	return listResources(t, vpcdoc.VPC, query, args...)
}

// Subnets.

func family(p netip.Prefix) int { return addrFamily(p.Addr()) }

func addrFamily(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// InsertSubnet writes the subnet and its blocks in one statement, a plain
// INSERT: a block overlapping another subnet's (subnet_blocks_no_overlap,
// which waits for a concurrent writer's outcome) or a duplicate id aborts
// the transaction, so no subnet is ever left without its blocks.
func (t *tx) InsertSubnet(s *ipam.Subnet) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ps := s.Prefixes()
	los, his := make([]any, len(ps)), make([]any, len(ps))
	for i, p := range ps {
		ps[i] = p.Masked()
		los[i], his[i] = blockDecimals(p)
	}
	if t.done {
		return errTxDone
	}
	args := []any{s.ID, s.OwnerID, s.VpcID, doc}
	for i, p := range ps {
		args = append(args, p, los[i], his[i])
	}
	sql := "INSERT INTO subnets (id, owner, vpc_id, doc) VALUES ($1, $2, $3, $4)" // no block (none is valid)
	if len(ps) > 0 {
		sql = insertSubnetSQL + valuesSQL(len(ps), 5, "::cidr", "::text::numeric", "::text::numeric") + ") AS b(cidr, lo, hi)"
	}
	if !t.waits() {
		// Aborted, or nothing went out yet (commit would send nothing): now.
		if err := t.sendAll(func(b *pgx.Batch) { b.Queue(sql, args...) }); err != nil {
			return fmt.Errorf("subnet %s: %w", s.ID, err)
		}
		return nil
	}
	// As for a VPC: the rows go out with the next statement or COMMIT, one
	// round trip less. A plain INSERT, so the overlap backstop's refusal
	// aborts the transaction and surfaces there, as ErrConflict: the
	// service runs the transaction again and its own check then sees the
	// winner.
	t.queue(sql, args...)
	return nil
}

// insertSubnetSQL is followed by the blocks' VALUES list and its alias.
const insertSubnetSQL = `WITH s AS (
		INSERT INTO subnets (id, owner, vpc_id, doc) VALUES ($1, $2, $3, $4) RETURNING id, vpc_id)
	INSERT INTO subnet_blocks (subnet_id, vpc_id, cidr, lo, hi)
	SELECT s.id, s.vpc_id, b.cidr, b.lo, b.hi
	FROM s, (VALUES `

func (t *tx) UpdateSubnet(s *ipam.Subnet) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return t.execOne("subnet", s.ID, "UPDATE subnets SET owner = $2, doc = $3 WHERE id = $1", s.ID, s.OwnerID, doc)
}

func (t *tx) DeleteSubnet(id string) error {
	// Its subnet_blocks rows go with it, in the same statement (no foreign
	// key since migration 0010).
	return t.execOne("subnet", id, "WITH b AS (DELETE FROM subnet_blocks WHERE subnet_id = $1) DELETE FROM subnets WHERE id = $1", id)
}

func (t *tx) GetSubnet(owner, id string) (*ipam.Subnet, error) { return t.subnet(owner, id, "") }

// LockSubnet takes the subnet's row lock: its read-modify-writes queue.
func (t *tx) LockSubnet(owner, id string) (*ipam.Subnet, error) {
	return t.subnet(owner, id, " FOR UPDATE")
}

func (t *tx) subnet(owner, id, lock string) (*ipam.Subnet, error) {
	return getResource(t, "subnet", id, vpcdoc.Subnet, "SELECT doc FROM subnets WHERE id = $1 AND owner = $2"+lock, id, owner)
}

func (t *tx) ListSubnets(q ipam.ResourceQuery) ([]*ipam.Subnet, error) {
	query, args := idQuery("subnets", q, true)
	return listResources(t, vpcdoc.Subnet, query, args...)
}

func (t *tx) SubnetBlocksOverlapping(vpcID string, p netip.Prefix) ([]netip.Prefix, error) {
	lo, hi := blockDecimals(p)
	var out []netip.Prefix
	err := t.query(`SELECT b.cidr FROM subnet_blocks b
		WHERE b.vpc_id = $1 AND family(b.cidr) = $4 AND numrange(b.lo, b.hi, '[]') && numrange($2::text::numeric, $3::text::numeric, '[]')
		ORDER BY b.lo`, []any{vpcID, lo, hi, family(p)}, func(rows pgx.Rows) error {
		var b netip.Prefix
		if err := rows.Scan(&b); err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

func (t *tx) SubnetsOverlapping(vpcID string, p netip.Prefix) ([]*ipam.Subnet, error) {
	lo, hi := blockDecimals(p)
	return listResources(t, vpcdoc.Subnet, subnetsOverlappingSQL, vpcID, lo, hi, family(p))
}

// subnetsOverlappingSQL probes subnet_blocks_no_overlap's GiST index.
const subnetsOverlappingSQL = `SELECT s.doc FROM subnet_blocks b JOIN subnets s ON s.id = b.subnet_id
	WHERE b.vpc_id = $1 AND family(b.cidr) = $4 AND numrange(b.lo, b.hi, '[]') && numrange($2::text::numeric, $3::text::numeric, '[]')
	ORDER BY b.lo`
