package dump

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// writer writes record lines and hashes every byte it writes.
type writer struct {
	w     *bufio.Writer
	h     hash.Hash
	n     int64
	stats Stats
}

func (w *writer) raw(b []byte) error {
	w.h.Write(b)
	_, err := w.w.Write(b)
	return err
}

func (w *writer) record(kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, len(b)+len(kind)+16)
	buf = append(buf, `{"k":"`...)
	buf = append(buf, kind...)
	buf = append(buf, `","v":`...)
	buf = append(buf, b...)
	buf = append(buf, "}\n"...)
	w.n++
	w.stats[kind]++
	return w.raw(buf)
}

// Export writes the whole state of s to out, from one read transaction (a
// consistent snapshot: a server may keep running on s).
func Export(ctx context.Context, s ipam.Store, out io.Writer) (Stats, error) {
	w := &writer{w: bufio.NewWriterSize(out, 1<<20), h: sha256.New(), stats: Stats{}}
	err := s.View(ctx, func(itx ipam.Tx) error {
		tx, ok := itx.(ipam.BulkTx)
		if !ok {
			return fmt.Errorf("dump: %T cannot list every account (no ipam.BulkTx)", itx)
		}
		hb, err := json.Marshal(header{Format: FormatName, Version: Version, Created: time.Now().UTC().Format(time.RFC3339)})
		if err != nil {
			return err
		}
		if err := w.raw(append(hb, '\n')); err != nil {
			return err
		}
		for _, k := range exportKinds {
			if err := k(tx, w); err != nil {
				return err
			}
		}
		end, err := json.Marshal(line{K: kindEnd, Records: w.n, SHA256: hex.EncodeToString(w.h.Sum(nil))})
		if err != nil {
			return err
		}
		if _, err := w.w.Write(append(end, '\n')); err != nil {
			return err
		}
		return w.w.Flush()
	})
	return w.stats, err
}

// exportKinds write the record kinds in dependency order; a new kind is a
// new entry (after what it refers to).
var exportKinds = []func(tx ipam.BulkTx, w *writer) error{
	exportDocs,
	exportVPCs,
	exportAllocations,
	exportClientTokens,
	exportMonitoring,
}

// writeAll writes every row list returns as records of kind.
func writeAll[T any](w *writer, kind string, list func() ([]*T, error)) error {
	rows, err := list()
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.record(kind, r); err != nil {
			return err
		}
	}
	return nil
}

// exportDocs writes IPAMs, scopes, pools and every pool's CIDRs.
func exportDocs(tx ipam.BulkTx, w *writer) error {
	if err := writeAll(w, KindIPAM, tx.ListAllIPAMs); err != nil {
		return err
	}
	if err := writeAll(w, KindScope, tx.ListAllScopes); err != nil {
		return err
	}
	pools, err := tx.ListAllPools()
	if err != nil {
		return err
	}
	if err := writeAll(w, KindPool, func() ([]*ipam.Pool, error) { return pools, nil }); err != nil {
		return err
	}
	for _, p := range pools {
		if err := writeAll(w, KindPoolCIDR, func() ([]*ipam.PoolCIDR, error) { return tx.ListPoolCIDRs(p.ID) }); err != nil {
			return err
		}
	}
	return nil
}

// exportVPCs writes every VPC, then every subnet (a subnet names its VPC).
func exportVPCs(tx ipam.BulkTx, w *writer) error {
	if err := writeAll(w, KindVPC, tx.ListAllVPCs); err != nil {
		return err
	}
	return writeAll(w, KindSubnet, tx.ListAllSubnets)
}

// exportAllocations pages through each pool's allocations in listing order.
func exportAllocations(tx ipam.BulkTx, w *writer) error {
	pools, err := tx.ListAllPools()
	if err != nil {
		return err
	}
	for _, p := range pools {
		q := ipam.AllocationQuery{PoolID: p.ID, Limit: page}
		for {
			as, err := tx.ListAllocations(q)
			if err != nil {
				return err
			}
			for _, a := range as {
				if err := w.record(KindAllocation, a); err != nil {
					return err
				}
			}
			if len(as) < page {
				break
			}
			last := as[len(as)-1]
			q.After = &ipam.AllocationCursor{PoolID: last.PoolID, Addr: last.CIDR.Addr(), Bits: last.CIDR.Bits()}
		}
	}
	return nil
}

func exportClientTokens(tx ipam.BulkTx, w *writer) error {
	after := ""
	for {
		recs, next, err := tx.ListAllClientTokens(after, page)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := w.record(KindClientToken, r); err != nil {
				return err
			}
		}
		if len(recs) == 0 {
			return nil
		}
		after = next
	}
}

// exportMonitoring pages through every scope's resource CIDRs, then the
// whole address history.
func exportMonitoring(tx ipam.BulkTx, w *writer) error {
	scopes, err := tx.ListAllScopes()
	if err != nil {
		return err
	}
	for _, sc := range scopes {
		q := ipam.ResourceCIDRQuery{ScopeID: sc.ID, Limit: page}
		for {
			rows, err := tx.ListResourceCIDRs(q)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := w.record(KindResourceCIDR, r); err != nil {
					return err
				}
			}
			if len(rows) < page {
				break
			}
			q.After = rows[len(rows)-1].Key()
		}
	}
	after := ""
	for {
		recs, err := tx.ListAllHistory(after, page)
		if err != nil {
			return err
		}
		for _, h := range recs {
			if err := w.record(KindHistory, h); err != nil {
				return err
			}
		}
		if len(recs) < page {
			return nil
		}
		after = ipam.HistoryCursor(recs[len(recs)-1])
	}
}
