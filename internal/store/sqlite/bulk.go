package sqlite

import (
	"strconv"

	"github.com/ipamd/ipamd/internal/ipam"
)

// The bulk methods of ipam.BulkTx (export and import, internal/dump).

var _ ipam.BulkTx = (*tx)(nil)

func (t *tx) ListAllIPAMs() ([]*ipam.IPAM, error) {
	return listDocs[ipam.IPAM](t, `SELECT doc FROM ipams ORDER BY id`)
}

func (t *tx) ListAllScopes() ([]*ipam.Scope, error) {
	return listDocs[ipam.Scope](t, `SELECT doc FROM scopes ORDER BY id`)
}

// ListAllClientTokens pages in rowid order (insertion order), the table's
// own: no sort, whatever its size. The cursor is the last rowid.
func (t *tx) ListAllVPCs() ([]*ipam.VPC, error) {
	return listDocs[ipam.VPC](t, `SELECT doc FROM vpcs ORDER BY id`)
}

func (t *tx) ListAllSubnets() ([]*ipam.Subnet, error) {
	return listDocs[ipam.Subnet](t, `SELECT doc FROM subnets ORDER BY id`)
}

func (t *tx) ListAllClientTokens(after string, limit int) ([]*ipam.TokenRecord, string, error) {
	var from int64
	if after != "" {
		var err error
		if from, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", err
		}
	}
	rows, err := t.query(`SELECT rowid, owner, action, token, params_hash, result FROM client_tokens
		WHERE rowid > ? ORDER BY rowid LIMIT ?`, from, limit)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*ipam.TokenRecord
	for rows.Next() {
		r := &ipam.TokenRecord{}
		if err := rows.Scan(&from, &r.OwnerID, &r.Action, &r.Token, &r.ParamsHash, &r.Result); err != nil {
			return nil, "", mapErr(err)
		}
		r.Result = ipam.NilIfEmpty(r.Result)
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, "", mapErr(rows.Err())
	}
	return out, strconv.FormatInt(from, 10), mapErr(rows.Err())
}

// InsertAllocations runs InsertAllocation per row: in process each costs no
// round trip, and each keeps its overlap check.
func (t *tx) InsertAllocations(as []*ipam.Allocation) error {
	for _, a := range as {
		if err := t.InsertAllocation(a); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) PutClientTokens(recs []*ipam.TokenRecord) error {
	for _, r := range recs {
		if err := t.PutClientToken(r); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Empty() (bool, error) {
	var found int
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM ipams) OR EXISTS (SELECT 1 FROM scopes) OR EXISTS (SELECT 1 FROM pools)
		OR EXISTS (SELECT 1 FROM pool_cidrs) OR EXISTS (SELECT 1 FROM allocations) OR EXISTS (SELECT 1 FROM client_tokens)
		OR EXISTS (SELECT 1 FROM vpcs) OR EXISTS (SELECT 1 FROM subnets)`).Scan(&found)
	return found == 0, mapErr(err)
}
