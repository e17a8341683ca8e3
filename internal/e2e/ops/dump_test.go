package ops

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/dump"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/store/sqlite"
	"github.com/ipamd/ipamd/internal/testserver"
)

func openPostgres(t *testing.T) ipam.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), testserver.NewDatabase(t, "ipamd_ops").String())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openSQLite(t *testing.T) ipam.Store {
	t.Helper()
	s, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func export(t *testing.T, s ipam.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := dump.Export(context.Background(), s, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExportImportAcrossStores: state built through the API on SQLite,
// exported, imported into PostgreSQL, answers every listing as the source
// did; allocation goes on without overlap and a ClientToken retry answers
// its first answer. Then back from PostgreSQL into a new SQLite store.
func TestExportImportAcrossStores(t *testing.T) {
	src := testserver.Start(t, testserver.Options{})
	w := build(t, src.Client())
	want := listings(t, src.Client(), w)
	lite := export(t, src.Store)

	pg := openPostgres(t)
	if _, err := dump.Import(context.Background(), pg, bytes.NewReader(lite)); err != nil {
		t.Fatal(err)
	}
	onPG := testserver.Start(t, testserver.Options{Store: pg})
	sameListings(t, "SQLite -> PostgreSQL", want, listings(t, onPG.Client(), w))

	back := openSQLite(t)
	if _, err := dump.Import(context.Background(), back, bytes.NewReader(export(t, pg))); err != nil {
		t.Fatal(err)
	}
	onBack := testserver.Start(t, testserver.Options{Store: back})
	sameListings(t, "PostgreSQL -> SQLite", want, listings(t, onBack.Client(), w))

	stillWorks(t, onPG.Client(), w)
	stillWorks(t, onBack.Client(), w)
}

// TestImportRefuses: a non-empty target, a truncated dump and an edited
// one are refused with the reason, and a refused dump loads nothing.
func TestImportRefuses(t *testing.T) {
	src := testserver.Start(t, testserver.Options{})
	build(t, src.Client())
	good := export(t, src.Store)
	ctx := context.Background()

	if _, err := dump.Import(ctx, src.Store, bytes.NewReader(good)); !errors.Is(err, dump.ErrNotEmpty) {
		t.Errorf("import into the source itself: %v, want ErrNotEmpty", err)
	}
	lines := bytes.SplitAfter(good, []byte("\n"))
	truncated := bytes.Join(lines[:len(lines)/2], nil)
	edited := bytes.Replace(good, []byte(`"10.0.`), []byte(`"10.1.`), 1)
	noEnd := bytes.Join(lines[:len(lines)-2], nil)
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"truncated":   {truncated, "truncated"},
		"no end line": {noEnd, "truncated"},
		"edited":      {edited, "checksum mismatch"},
		"not a dump":  {[]byte("hello\n"), "not an ipamd dump"},
		"empty":       {nil, "no header"},
		"trailing":    {append(bytes.Clone(good), "{}\n"...), "after the end line"},
	} {
		target := openSQLite(t)
		_, err := dump.Import(ctx, target, bytes.NewReader(c.data))
		if !errors.Is(err, dump.ErrInvalid) || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", name, err, c.want)
		}
		if err := target.View(ctx, func(tx ipam.Tx) error {
			empty, err := tx.(ipam.BulkTx).Empty()
			if err == nil && !empty {
				t.Errorf("%s: the refused dump left rows in the target", name)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		target.Close()
	}
}

// resign replaces the end line of a dump with one that matches its
// records: an edit the checksum cannot catch.
func resign(t *testing.T, d []byte) []byte {
	t.Helper()
	lines := bytes.SplitAfter(bytes.TrimSuffix(d, []byte("\n")), []byte("\n"))
	body := bytes.Join(lines[:len(lines)-1], nil)
	sum := sha256.Sum256(body)
	end := fmt.Sprintf(`{"k":"end","records":%d,"sha256":"%s"}`+"\n", len(lines)-2, hex.EncodeToString(sum[:]))
	return append(body, end...)
}

// withExtra is the dump d with line added after its first line of kind, and
// a valid end line.
func withExtra(t *testing.T, d []byte, kind string, edit func(v map[string]any)) []byte {
	t.Helper()
	lines := bytes.SplitAfter(d, []byte("\n"))
	for i, l := range lines {
		var rec struct {
			K string         `json:"k"`
			V map[string]any `json:"v"`
		}
		if json.Unmarshal(l, &rec) != nil || rec.K != kind {
			continue
		}
		edit(rec.V)
		extra, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out := append(bytes.Join(lines[:i+1], nil), append(extra, '\n')...)
		return resign(t, append(out, bytes.Join(lines[i+1:], nil)...))
	}
	t.Fatalf("the dump has no %s line", kind)
	return nil
}

// TestImportRefusesConflicts: a dump edited so that it still checks out
// (its end line written again) but holds two overlapping allocations of a
// pool, or one client token twice, is refused by either store, saying
// which rows, and loads nothing.
func TestImportRefusesConflicts(t *testing.T) {
	src := testserver.Start(t, testserver.Options{})
	build(t, src.Client())
	good := export(t, src.Store)
	ctx := context.Background()
	const newID = "ipam-pool-alloc-0123456789abcdef0123456789abcdef"
	same := withExtra(t, good, dump.KindAllocation, func(v map[string]any) { v["id"] = newID })
	overlap := withExtra(t, good, dump.KindAllocation, func(v map[string]any) {
		p := netip.MustParsePrefix(v["cidr"].(string))
		v["id"], v["cidr"] = newID, netip.PrefixFrom(p.Addr(), p.Bits()+1).String() // its first half
	})
	twice := withExtra(t, good, dump.KindClientToken, func(map[string]any) {})
	resigned := openSQLite(t)
	if _, err := dump.Import(ctx, resigned, bytes.NewReader(resign(t, good))); err != nil {
		t.Fatalf("a dump with its own end line written again: %v", err)
	}
	resigned.Close()
	stores := map[string]func(*testing.T) ipam.Store{"sqlite": openSQLite}
	if os.Getenv(testserver.DatabaseURLEnv) != "" {
		stores["postgres"] = openPostgres
	}
	for name, open := range stores {
		for what, c := range map[string]struct {
			data []byte
			want string
		}{
			"overlapping allocations":    {overlap, "overlaps allocation"},
			"an allocation's CIDR twice": {same, "allocations"},
			"a client token twice":       {twice, "client"},
		} {
			target := open(t)
			_, err := dump.Import(ctx, target, bytes.NewReader(c.data))
			if !errors.Is(err, ipam.ErrConflict) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: %v, want ErrConflict saying %q", name, what, err, c.want)
			} else {
				t.Logf("%s, %s: %v", name, what, err)
			}
			if err := target.View(ctx, func(tx ipam.Tx) error {
				empty, err := tx.(ipam.BulkTx).Empty()
				if err == nil && !empty {
					t.Errorf("%s, %s: the refused dump left rows in the target", name, what)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			// The refusal rolled back the load's schema changes too: the
			// good dump loads into the same store.
			if _, err := dump.Import(ctx, target, bytes.NewReader(good)); err != nil {
				t.Errorf("%s: the good dump after a refused one: %v", name, err)
			}
			target.Close()
		}
	}
}
