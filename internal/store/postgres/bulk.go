package postgres

import (
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/ipamd/ipamd/internal/ipam"
)

// The bulk methods of ipam.BulkTx (export and import, internal/dump).

var _ ipam.BulkTx = (*tx)(nil)

func (t *tx) ListAllIPAMs() ([]*ipam.IPAM, error) {
	return listDocs[ipam.IPAM](t, "SELECT doc FROM ipams ORDER BY id")
}

func (t *tx) ListAllScopes() ([]*ipam.Scope, error) {
	return listDocs[ipam.Scope](t, "SELECT doc FROM scopes ORDER BY id")
}

// ListAllClientTokens pages in primary-key order; the cursor is the last
// key, [owner, action, token], as JSON.
func (t *tx) ListAllVPCs() ([]*ipam.VPC, error) {
	return listDocs[ipam.VPC](t, "SELECT doc FROM vpcs ORDER BY id")
}

func (t *tx) ListAllSubnets() ([]*ipam.Subnet, error) {
	return listDocs[ipam.Subnet](t, "SELECT doc FROM subnets ORDER BY id")
}

func (t *tx) ListAllClientTokens(after string, limit int) ([]*ipam.TokenRecord, string, error) {
	var key [3]string
	if after != "" {
		if err := json.Unmarshal([]byte(after), &key); err != nil {
			return nil, "", err
		}
	}
	var out []*ipam.TokenRecord
	err := t.query(`SELECT owner, action, token, params_hash, result FROM client_tokens
		WHERE (owner, action, token) > ($1, $2, $3) ORDER BY owner, action, token LIMIT $4`,
		[]any{key[0], key[1], key[2], limit}, func(rows pgx.Rows) error {
			r := &ipam.TokenRecord{}
			if err := rows.Scan(&r.OwnerID, &r.Action, &r.Token, &r.ParamsHash, &r.Result); err != nil {
				return err
			}
			r.Result = ipam.NilIfEmpty(r.Result)
			out = append(out, r)
			return nil
		})
	if err != nil || len(out) == 0 {
		return nil, "", err
	}
	last := out[len(out)-1]
	cur, err := json.Marshal([3]string{last.OwnerID, last.Action, last.Token})
	return out, string(cur), err
}

// InsertAllocations sends the rows as one INSERT ... unnest (pendingRows),
// now: the exclusion constraint and the primary key refuse an overlap or a
// duplicate, which fails the transaction.
func (t *tx) InsertAllocations(as []*ipam.Allocation) error {
	for _, a := range as {
		net := a.CIDR.Masked()
		tags, err := tagsJSON(a.Tags)
		if err != nil {
			return err
		}
		t.rows.allocs.add(a.ID, a.PoolID, a.OwnerID, net, a.ResourceID, a.ResourceType, a.ResourceRegion, a.ResourceOwner, a.Description, tags)
	}
	return t.sendAll(func(*pgx.Batch) {})
}

// PutClientTokens sends the rows as one INSERT ... unnest, now.
func (t *tx) PutClientTokens(recs []*ipam.TokenRecord) error {
	for _, r := range recs {
		t.rows.tokens.add(r.OwnerID, r.Action, r.Token, r.ParamsHash, r.Result)
	}
	return t.sendAll(func(*pgx.Batch) {})
}

func (t *tx) Empty() (bool, error) {
	var found bool
	err := t.queryRow(`SELECT EXISTS (SELECT FROM ipams) OR EXISTS (SELECT FROM scopes) OR EXISTS (SELECT FROM pools)
		OR EXISTS (SELECT FROM pool_cidrs) OR EXISTS (SELECT FROM allocations) OR EXISTS (SELECT FROM client_tokens)
		OR EXISTS (SELECT FROM vpcs) OR EXISTS (SELECT FROM subnets)`, nil, &found)
	return !found, err
}
