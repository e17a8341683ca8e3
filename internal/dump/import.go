package dump

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/ipamd/ipamd/internal/ipam"
)

// ErrInvalid marks a dump Import refused: not a dump, a newer version,
// truncated, edited (checksum), or a record that does not decode.
var ErrInvalid = errors.New("invalid dump")

// ErrNotEmpty is Import's refusal of a store that already holds state.
var ErrNotEmpty = errors.New("the target store is not empty")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// loader holds a load in progress: rows wait in batches for the bulk
// inserts.
type loader struct {
	tx     ipam.BulkTx
	allocs []*ipam.Allocation
	tokens []*ipam.TokenRecord
}

// loaders decode and load one record of each kind; a new kind is a new
// entry. A kind missing here is refused.
var loaders = map[string]func(l *loader, v []byte) error{
	KindIPAM:        loadDoc(func(tx ipam.BulkTx, i *ipam.IPAM) error { return tx.InsertIPAM(i) }),
	KindScope:       loadDoc(func(tx ipam.BulkTx, s *ipam.Scope) error { return tx.InsertScope(s) }),
	KindPool:        loadDoc(func(tx ipam.BulkTx, p *ipam.Pool) error { return tx.InsertPool(p) }),
	KindPoolCIDR:    loadDoc(func(tx ipam.BulkTx, c *ipam.PoolCIDR) error { return tx.InsertPoolCIDR(c) }),
	KindVPC:         loadDoc(func(tx ipam.BulkTx, v *ipam.VPC) error { return tx.InsertVPC(v) }),
	KindSubnet:      loadDoc(func(tx ipam.BulkTx, s *ipam.Subnet) error { return tx.InsertSubnet(s) }),
	KindAllocation:  loadAllocation,
	KindClientToken: loadClientToken,
	KindResourceCIDR: loadDoc(func(tx ipam.BulkTx, r *ipam.ResourceCIDR) error {
		if !r.CIDR.IsValid() {
			return errors.New("resource cidr without a valid CIDR")
		}
		r.Tags = ipam.NilIfEmpty(r.Tags)
		return tx.PutResourceCIDR(r)
	}),
	KindHistory: loadDoc(func(tx ipam.BulkTx, h *ipam.HistoryRecord) error {
		if !h.CIDR.IsValid() || h.ID == "" {
			return errors.New("history record without an id or a valid CIDR")
		}
		if h.End.IsZero() {
			// A dump made before migration 14 has a record of every span
			// that lasts; its block's row, in the same dump, is that span.
			return nil
		}
		return tx.InsertHistory(h)
	}),
}

func loadDoc[T any](insert func(ipam.BulkTx, *T) error) func(*loader, []byte) error {
	return func(l *loader, v []byte) error {
		doc := new(T)
		if err := json.Unmarshal(v, doc); err != nil {
			return err
		}
		ipam.ClearEmpty(doc)
		return insert(l.tx, doc)
	}
}

func loadAllocation(l *loader, v []byte) error {
	a := &ipam.Allocation{}
	if err := json.Unmarshal(v, a); err != nil {
		return err
	}
	if !a.CIDR.IsValid() {
		return errors.New("allocation without a valid CIDR")
	}
	a.Tags = ipam.NilIfEmpty(a.Tags)
	if l.allocs = append(l.allocs, a); len(l.allocs) >= page {
		return l.flush()
	}
	return nil
}

func loadClientToken(l *loader, v []byte) error {
	r := &ipam.TokenRecord{}
	if err := json.Unmarshal(v, r); err != nil {
		return err
	}
	r.Result = ipam.NilIfEmpty(r.Result)
	if l.tokens = append(l.tokens, r); len(l.tokens) >= page {
		return l.flush()
	}
	return nil
}

func (l *loader) flush() error {
	if len(l.allocs) > 0 {
		if err := l.tx.InsertAllocations(l.allocs); err != nil {
			return err
		}
		l.allocs = l.allocs[:0]
	}
	if len(l.tokens) > 0 {
		if err := l.tx.PutClientTokens(l.tokens); err != nil {
			return err
		}
		l.tokens = l.tokens[:0]
	}
	return nil
}

// Import loads the dump read from in into s, which must be empty
// (ErrNotEmpty). Everything loads in one transaction, which commits only
// after the end line's count and checksum matched: a dump that is truncated,
// edited or does not decode (ErrInvalid) loads nothing.
func Import(ctx context.Context, s ipam.Store, in io.Reader) (Stats, error) {
	var stats Stats
	ran := false
	err := s.Update(ctx, func(itx ipam.Tx) error {
		if ran {
			// The stream is consumed: a store must not run fn twice.
			return errors.New("dump: the store retried the import transaction; run the import again")
		}
		ran = true
		tx, ok := itx.(ipam.BulkTx)
		if !ok {
			return fmt.Errorf("dump: %T cannot bulk load (no ipam.BulkTx)", itx)
		}
		empty, err := tx.Empty()
		if err != nil {
			return err
		}
		if !empty {
			return ErrNotEmpty
		}
		if err := tx.BeginLoad(); err != nil {
			return err
		}
		stats, err = load(&loader{tx: tx}, bufio.NewReaderSize(in, 1<<20))
		return err
	})
	return stats, err
}

func load(l *loader, r *bufio.Reader) (Stats, error) {
	h := sha256.New()
	first, err := readLine(r, h)
	if err != nil {
		return nil, invalid("no header line: %v", err)
	}
	var hd header
	if json.Unmarshal(first, &hd) != nil || hd.Format != FormatName {
		return nil, invalid("not an ipamd dump (first line is not its header)")
	}
	if hd.Version < 1 || hd.Version > Version {
		return nil, invalid("format version %d; this ipamd reads up to %d", hd.Version, Version)
	}
	stats := Stats{}
	var n int64
	for {
		raw, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			raw, err = readLong(r, raw)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, invalid("truncated after %d records: no end line", n)
			}
			return nil, err
		}
		rec, ok := splitRecord(raw)
		if !ok {
			if err := json.Unmarshal(raw, &rec); err != nil {
				return nil, invalid("record %d does not decode: %v", n+1, err)
			}
		}
		if rec.K == kindEnd {
			return stats, finish(l, r, h, rec, n)
		}
		h.Write(raw)
		n++
		load, ok := loaders[rec.K]
		if !ok {
			return nil, invalid("record %d has kind %q, which this ipamd does not know", n, rec.K)
		}
		if err := load(l, rec.V); err != nil {
			if errors.Is(err, ipam.ErrConflict) || errors.Is(err, ipam.ErrUnavailable) {
				return nil, fmt.Errorf("record %d (%s): %w", n, rec.K, err)
			}
			return nil, invalid("record %d (%s): %v", n, rec.K, err)
		}
		stats[rec.K]++
	}
}

// splitRecord takes a record line apart as the writer wrote it,
// {"k":"<kind>","v":<value>}, without decoding the value twice: the
// loader's decode of v checks it. A line of any other shape (the end line,
// a hand-made one) is decoded whole instead.
func splitRecord(raw []byte) (line, bool) {
	const head, mid = `{"k":"`, `","v":`
	rest, ok := bytes.CutPrefix(raw, []byte(head))
	if !ok {
		return line{}, false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return line{}, false
	}
	kind := rest[:i]
	v, ok := bytes.CutPrefix(rest[i:], []byte(mid))
	if !ok {
		return line{}, false
	}
	v = bytes.TrimRight(v, " \t\r\n")
	v, ok = bytes.CutSuffix(v, []byte("}"))
	if !ok {
		return line{}, false
	}
	return line{K: string(kind), V: v}, true
}

// finish checks the end line and that nothing follows it, then flushes the
// last batches and has the store check what it loaded (FinishLoad).
func finish(l *loader, r *bufio.Reader, h hash.Hash, end line, n int64) error {
	if end.Records != n {
		return invalid("the end line counts %d records, the dump holds %d", end.Records, n)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); end.SHA256 != sum {
		return invalid("checksum mismatch: the dump was changed after it was written (sha256 %s, end line says %s)", sum, end.SHA256)
	}
	if rest, _ := io.ReadAll(io.LimitReader(r, 1)); len(rest) > 0 {
		return invalid("data after the end line")
	}
	if err := l.flush(); err != nil {
		return err
	}
	return l.tx.FinishLoad()
}

func readLine(r *bufio.Reader, h hash.Hash) ([]byte, error) {
	b, err := r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	h.Write(b)
	return bytes.Clone(b), nil
}

// readLong completes a line longer than the reader's buffer.
func readLong(r *bufio.Reader, head []byte) ([]byte, error) {
	buf := bytes.Clone(head)
	rest, err := r.ReadBytes('\n')
	return append(buf, rest...), err
}
